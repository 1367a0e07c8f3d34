# Copyright: (c) 2026, oscc.admin maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Where a host's Informix server is: the options every module that runs Informix programs takes. What an omitted
# option falls back to differs by module; each module (or its family fragment) says so in its notes.
from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  informixdir:
    description:
      - The Informix installation directory on the host (C(INFORMIXDIR)); must be an absolute path.
      - When omitted, found where the notes say, last of all in the host's C(INFORMIXDIR) environment variable.
    type: str
  informixserver:
    description:
      - The Informix server name (C(INFORMIXSERVER)), on OSCC C(ol_<servername>).
      - When omitted, found where the notes say, last of all in the host's C(INFORMIXSERVER) environment variable.
    type: str
"""

    # The ONCONFIG file, for the modules that read the server's configuration (replication_preflight does not).
    ONCONFIG = r"""
options:
  onconfig:
    description:
      - The C(ONCONFIG) file, as the C(ONCONFIG) environment variable takes it, a file name under
        C($INFORMIXDIR/etc) or a full path.
      - When omitted, found as the notes say.
    type: str
"""
