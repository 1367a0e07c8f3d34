"""The simulator speaks as docs/vendor-facts.md (Informix) says Informix does."""
import os
import re


def test_onstat_dash_return_code_is_the_server_mode(sim):
    result = sim.run("onstat", "-")
    assert result.returncode == 5
    assert re.search(r"Version \S+\s+-- On-Line -- Up \d\d:\d\d:\d\d -- \d+ Kbytes", result.out)
    sim.run("onmode", "-ky", check=True)
    result = sim.run("onstat", "-")
    assert result.returncode == 255
    assert "shared memory not initialized for INFORMIXSERVER 'ol_main'" in result.out


def test_stdio_chain_restore_brings_back_the_archived_data(sim):
    level0 = sim.run("ontape", "-s", "-L", "0", "-t", "STDIO", check=True)
    assert "Program over." in level0.err and level0.stdout
    sim.sql("insert into agents values ('1003', 'Neu', 'ready');")
    level1 = sim.run("ontape", "-s", "-L", "1", "-t", "STDIO", check=True)
    expected = sim.data()
    sim.sql("delete from agents;")
    sim.run("onmode", "-ky", check=True)
    restore = sim.run("ontape", "-r", "-t", "STDIO", stdin=level0.stdout + level1.stdout, check=True)
    assert "Program over." in restore.err
    assert sim.run("onstat", "-").returncode == 7  # STDIO restore ends in single-user mode
    assert sim.data() == expected


def test_restore_refuses_an_online_server(sim):
    level0 = sim.run("ontape", "-s", "-L", "0", "-t", "STDIO", check=True)
    result = sim.run("ontape", "-r", "-t", "STDIO", stdin=level0.stdout)
    assert "Physical restore failed - Cannot warm restore ROOT DBspace" in result.err
    assert result.returncode != 0


def test_directory_tapedev_names_and_renames_archives(sim):
    sim.set_onconfig("TAPEDEV", sim.paths["tape"])
    os.remove(os.path.join(sim.paths["tape"], "BACKUP.001"))
    sim.env["IFX_ONTAPE_FILE_PREFIX"] = "site"
    first = sim.run("ontape", "-s", "-L", "0", "-d", check=True)
    assert f"Archive to tape device '{sim.paths['tape']}' is complete." in first.out
    assert os.listdir(sim.paths["tape"]) == ["site_L0"]
    sim.run("ontape", "-s", "-L", "0", "-d", check=True)
    names = sorted(os.listdir(sim.paths["tape"]))
    assert names[-1] == "site_L0" and re.fullmatch(r"site_\d{8}_\d{6}_L0", names[0])
    sim.run("onmode", "-ky", check=True)
    restore = sim.run("ontape", "-r", "-d", check=True)
    archive = f"{sim.paths['tape']}/site_L0"
    assert f"Restore will use level 0 archive file {archive}. Press Return to continue ..." in restore.out
    assert sim.run("onstat", "-").returncode == 1  # quiescent after a directory restore


def test_file_tapedev_prompts_as_the_manual_describes(sim):
    tapedev = os.path.join(sim.paths["tape"], "BACKUP.001")
    backup = sim.run("ontape", "-s", "-L", "0", stdin=b"\n", check=True)
    assert f"Please mount tape 1 on {tapedev} and press Return to continue ..." in backup.out
    assert "Please label this tape as number 1 in the arc tape sequence." in backup.out
    sim.run("onmode", "-ky", check=True)
    restore = sim.run("ontape", "-r", stdin=b"\ny\nn\nn\nn\n", check=True)
    for text in ("Continue restore? (y/n)", "Do you want to back up the logs? (y/n)",
                 "Restore a level 1 archive (y/n) ", "Do you want to restore log tapes? (y/n)", "Program over."):
        assert text in restore.out
    assert sim.run("onstat", "-").returncode == 1


def test_nul_tapedev_succeeds_without_storing_anything(sim):
    """The trap the collection must refuse: the archive is stamped, nothing is written."""
    sim.set_onconfig("TAPEDEV", "NUL")
    result = sim.run("ontape", "-s", "-L", "0", check=True)
    assert "Archive to tape device 'NUL' is complete." in result.out
    assert "rootdbs" in sim.run("onstat", "-g", "arc").out


def test_damaged_archive_is_refused_and_the_data_is_untouched(sim):
    level0 = sim.run("ontape", "-s", "-L", "0", "-t", "STDIO", check=True).stdout
    damaged = level0[:-20] + b"X" * 19 + b"\n"
    before = sim.data()
    sim.run("onmode", "-ky", check=True)
    result = sim.run("ontape", "-r", "-t", "STDIO", stdin=damaged)
    assert result.returncode != 0 and sim.data() == before


def test_level1_without_level0_is_refused(sim):
    result = sim.run("ontape", "-s", "-L", "1", "-t", "STDIO")
    assert result.returncode != 0 and result.stdout == b""


def test_missing_chunk_blocks_a_restore_until_it_exists(sim):
    level0 = sim.run("ontape", "-s", "-L", "0", "-t", "STDIO", check=True).stdout
    sim.run("onmode", "-ky", check=True)
    chunk = os.path.join(sim.paths["data"], "ccdata.000")
    os.remove(chunk)
    assert sim.run("ontape", "-r", "-t", "STDIO", stdin=level0).returncode != 0
    open(chunk, "w").close()
    sim.run("ontape", "-r", "-t", "STDIO", stdin=level0, check=True)


def test_onbar_refuses_ltapedev_nul_with_156(sim):
    assert sim.run("onbar", "-b", "-L", "0").returncode == 156


def test_onbar_backs_up_verifies_and_restores_the_newest_chain(sim):
    sim.set_onconfig("LTAPEDEV", sim.paths["tape"])
    sim.run("onbar", "-b", "-L", "0", check=True)
    sim.sql("insert into agents values ('1003', 'Neu', 'ready');")
    sim.run("onbar", "-b", "-L", "1", check=True)
    expected = sim.data()
    sim.sql("delete from agents;")
    assert sim.run("onbar", "-v").returncode == 0
    assert sim.run("onbar", "-r").returncode == 123  # not while on-line
    sim.run("onmode", "-ky", check=True)
    sim.run("onbar", "-r", check=True)
    assert sim.data() == expected and sim.run("onstat", "-").returncode == 1
