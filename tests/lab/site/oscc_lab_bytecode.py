"""Lab test equipment: a bytecode cache for modules imported from a zip file.

Every Ansible module the lab runs (the Windows stand-ins, the POSIX hosts' modules) arrives as an AnsiballZ zip.
Python cannot keep compiled code for a zip's sources, so each run compiled ansible.module_utils.basic and the
stand-ins again: about half of the lab's module time. With OSCC_LAB_BYTECODE_CACHE naming a folder, code compiled
from a zip's source is kept there under the SHA-256 of the module's name, path inside the zip and source, so a
changed source compiles anew. Without the variable nothing is installed (the benchmarks time real hosts' cost).

Loaded at interpreter start by the .pth file scripts/setup writes into the lab's venv.
"""
import marshal
import os
import sys
import zipimport

CACHE = os.environ.get("OSCC_LAB_BYTECODE_CACHE", "")


class CachingZipImporter(zipimport.zipimporter):
    def get_code(self, fullname):
        import hashlib  # here, not at every interpreter start: most processes import no zip

        source = self.get_source(fullname)
        if source is None:  # only bytecode in the zip
            return super().get_code(fullname)
        # zipimporter.get_filename compiles the source itself: the path inside the zip is built here instead
        inner = self.prefix + fullname.rpartition(".")[2] + ("/__init__.py" if self.is_package(fullname) else ".py")
        filename = os.path.join(self.archive, inner)
        key = hashlib.sha256(f"{sys.version}\0{fullname}\0{inner}\0{source}".encode()).hexdigest()
        path = os.path.join(CACHE, key[:2], key)
        try:
            with open(path, "rb") as handle:
                return marshal.load(handle)
        except (OSError, EOFError, ValueError, TypeError):
            pass
        code = compile(source, filename, "exec", dont_inherit=True)
        partial = f"{path}.{os.getpid()}"
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(partial, "wb") as handle:
                marshal.dump(code, handle)
            os.replace(partial, path)  # whole or absent, whatever runs at the same time
        except OSError:
            pass  # a cache that cannot be written only costs time
        return code


def install():
    if not CACHE or CachingZipImporter in sys.path_hooks:
        return
    index = sys.path_hooks.index(zipimport.zipimporter) if zipimport.zipimporter in sys.path_hooks else 0
    sys.path_hooks.insert(index, CachingZipImporter)
    for path, finder in list(sys.path_importer_cache.items()):  # only zip finders made before would bypass it
        if isinstance(finder, zipimport.zipimporter):
            del sys.path_importer_cache[path]


install()
