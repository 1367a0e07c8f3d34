"""The cdr processes a stopped synchronisation left behind: found by the run's own command lines, as the executor
quotes an argv, and nothing else (docs/windows.md, First-run checklist)."""
from ansible_collections.oscc.admin.plugins.plugin_utils._host.contract import request_problems, what_if_refusal
from ansible_collections.oscc.admin.plugins.plugin_utils._replication import leftover

CDR = "C:\\Program Files\\Informix\\bin\\cdr.exe"
RUN = [{"op": "lock", "path": "x", "record": {}},
       {"op": "run", "argv": [CDR, "sync", "replicate", "--master=g_main", "--repl=rep a", "g_report"], "timeout": 5},
       {"op": "write", "path": "p", "content": "done\n"},
       {"op": "run", "argv": [CDR, "check", "replicateset", "--master=g_main", "--replset=oscc", "g_report"],
        "timeout": 5}]


def test_the_runs_cdr_argvs_and_the_listing_of_cdr_processes():
    argvs = leftover.cdr_argvs(RUN)
    assert [a[1] for a in argvs] == ["sync", "check"]
    listing = leftover.processes_op(argvs[0][0])
    assert listing["parameters"] == {"ClassName": "Win32_Process", "Filter": "Name = 'cdr.exe'"}
    assert request_problems(listing) == [] and request_problems(leftover.end_op([4, 7])) == []
    assert leftover.end_op([4, 7])["parameters"]["Id"] == [4, 7]


def test_only_a_process_running_one_of_the_runs_commands_is_left_running():
    objects = [
        {"ProcessId": 11, "Name": "cdr.exe",
         "CommandLine": f'"{CDR}" sync replicate --master=g_main "--repl=rep a" g_report'},
        {"ProcessId": 12, "Name": "cdr.exe", "CommandLine": f'"{CDR}" list server'},  # an operator's own cdr
        {"ProcessId": 13, "Name": "cdr.exe",
         "CommandLine": f'"{CDR}" sync replicate --master=g_main --repl=rep a g_report'},  # quoted otherwise
        {"ProcessId": 14, "Name": "cdr.exe", "CommandLine": None},  # another session's: no command line shown
        {"ProcessId": 15, "Name": "cdr.exe",
         "CommandLine": f'{CDR}  check  replicateset --master=g_main --replset=oscc g_report '},
    ]
    assert leftover.left_running(objects, leftover.cdr_argvs(RUN)) == [11, 15]
    assert leftover.left_running([], leftover.cdr_argvs(RUN)) == []


def test_under_check_mode_the_listing_runs_and_the_ending_is_refused_by_the_executor():
    """The sync never starts in check mode; should a stop ever be sent under what-if, the executors refuse to end a
    process while they still list them (contract.what_if_refusal)."""
    assert what_if_refusal(leftover.processes_op("C:\\Informix\\bin\\cdr.exe"), read_only=False) is None
    assert "refused under what-if" in what_if_refusal(leftover.end_op([4]), read_only=False)
