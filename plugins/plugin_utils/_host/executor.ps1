# oscc.admin host executor v1
[CmdletBinding(SupportsShouldProcess)] param([string]$Batch, [string]$BatchFile, [SecureString]$Secrets)
# The Windows host executor (Windows PowerShell 5.1): the primitives of plugin_utils/_host/contract.py with the
# semantics of executor_posix.py, no decision. win_powershell runs it with -Batch (JSON) and -Secrets (a SecureString
# of a JSON object); Task Scheduler with -BatchFile (a saved batch: a failed one exits 1). Its output is one JSON
# string. A program is an argv, no shell reads it. Each Invoke-Op function reads its request only as $op.<key> and
# returns hashtable literals of its result keys; helpers never see $op (tests/static/test_executor_contract.py).
$ErrorActionPreference = 'Stop'
# Check mode: win_powershell runs a script in check mode only when it declares SupportsShouldProcess, and then with
# -WhatIf. The executor keeps that as its own guard (Get-WhatIfRefusal) and lets what it allows run for real.
$whatIf = [bool]$WhatIfPreference
$WhatIfPreference = $false

# A Job object holds a program and every process it starts, whatever their parents: a timeout ends them all, and
# closing the job (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE) ends whatever is left. C# 5 for Add-Type on .NET Framework 4.
$processJobSource = @'
using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace OsccAdmin
{
    // Where a path leads with every symbolic link and junction on the way followed, as realpath does on POSIX.
    public static class FinalPath
    {
        const uint ShareAll = 7;  // FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE
        const uint OpenExisting = 3;
        const uint BackupSemantics = 0x02000000;  // FILE_FLAG_BACKUP_SEMANTICS: a folder opens too
        static readonly IntPtr InvalidHandle = new IntPtr(-1);

        [DllImport("kernel32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
        static extern IntPtr CreateFileW(
            string name, uint access, uint share, IntPtr security, uint disposition, uint flags, IntPtr template);

        [DllImport("kernel32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
        static extern uint GetFinalPathNameByHandleW(IntPtr file, StringBuilder path, uint length, uint flags);

        [DllImport("kernel32.dll", SetLastError = true)]
        static extern bool CloseHandle(IntPtr handle);

        // BY_HANDLE_FILE_INFORMATION; each FILETIME as its two DWORDs, so nothing is padded.
        [StructLayout(LayoutKind.Sequential)]
        struct FileInformation
        {
            public uint FileAttributes;
            public uint CreationLow, CreationHigh, AccessLow, AccessHigh, WriteLow, WriteHigh;
            public uint VolumeSerialNumber;
            public uint FileSizeHigh, FileSizeLow;
            public uint NumberOfLinks;
            public uint FileIndexHigh, FileIndexLow;
        }

        [DllImport("kernel32.dll", SetLastError = true)]
        static extern bool GetFileInformationByHandle(IntPtr file, out FileInformation info);

        const uint ReadAttributes = 0x80;  // FILE_READ_ATTRIBUTES: enough to ask what the handle opens

        // What a path opens, whatever it spells (a server's FQDN or address, a mapped drive): the volume serial
        // number and file index, as st_dev and st_ino on POSIX; null when it cannot be opened.
        public static string IdentityOf(string path)
        {
            IntPtr file = CreateFileW(path, ReadAttributes, ShareAll, IntPtr.Zero, OpenExisting, BackupSemantics,
                                      IntPtr.Zero);
            if (file == InvalidHandle)
            {
                return null;
            }
            try
            {
                FileInformation info;
                if (!GetFileInformationByHandle(file, out info))
                {
                    return null;
                }
                ulong index = ((ulong)info.FileIndexHigh << 32) | info.FileIndexLow;
                return info.VolumeSerialNumber.ToString("x8") + ":" + index.ToString("x16");
            }
            finally
            {
                CloseHandle(file);
            }
        }

        // null when it leads nowhere: a link whose target does not exist, or a path that cannot be opened.
        public static string Of(string path)
        {
            IntPtr file = CreateFileW(path, 0, ShareAll, IntPtr.Zero, OpenExisting, BackupSemantics, IntPtr.Zero);
            if (file == InvalidHandle)
            {
                return null;
            }
            try
            {
                StringBuilder final = new StringBuilder(32768);  // the longest path Windows has
                uint length = GetFinalPathNameByHandleW(file, final, (uint)final.Capacity, 0);
                if (length == 0 || length >= final.Capacity)
                {
                    return null;
                }
                string name = final.ToString();
                if (name.StartsWith(@"\\?\UNC\", StringComparison.Ordinal))
                {
                    return @"\\" + name.Substring(8);
                }
                return name.StartsWith(@"\\?\", StringComparison.Ordinal) ? name.Substring(4) : name;
            }
            finally
            {
                CloseHandle(file);
            }
        }
    }

    public sealed class ProcessJob : IDisposable
    {
        const int ExtendedLimitInformation = 9;  // JOBOBJECTINFOCLASS.JobObjectExtendedLimitInformation
        const uint KillOnJobClose = 0x2000;  // JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
        const uint EndedExitCode = 1;  // the exit code of every process TerminateJobObject ends

        [StructLayout(LayoutKind.Sequential)]
        struct BasicLimits
        {
            public long PerProcessUserTimeLimit;
            public long PerJobUserTimeLimit;
            public uint LimitFlags;
            public UIntPtr MinimumWorkingSetSize;
            public UIntPtr MaximumWorkingSetSize;
            public uint ActiveProcessLimit;
            public UIntPtr Affinity;
            public uint PriorityClass;
            public uint SchedulingClass;
        }

        [StructLayout(LayoutKind.Sequential)]
        struct IoCounters
        {
            public ulong ReadOperationCount;
            public ulong WriteOperationCount;
            public ulong OtherOperationCount;
            public ulong ReadTransferCount;
            public ulong WriteTransferCount;
            public ulong OtherTransferCount;
        }

        [StructLayout(LayoutKind.Sequential)]
        struct ExtendedLimits
        {
            public BasicLimits Basic;
            public IoCounters Io;
            public UIntPtr ProcessMemoryLimit;
            public UIntPtr JobMemoryLimit;
            public UIntPtr PeakProcessMemoryUsed;
            public UIntPtr PeakJobMemoryUsed;
        }

        [DllImport("kernel32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
        static extern IntPtr CreateJobObjectW(IntPtr attributes, string name);

        [DllImport("kernel32.dll", SetLastError = true)]
        static extern bool SetInformationJobObject(IntPtr job, int infoClass, ref ExtendedLimits info, int length);

        [DllImport("kernel32.dll", SetLastError = true)]
        static extern bool AssignProcessToJobObject(IntPtr job, IntPtr process);

        [DllImport("kernel32.dll", SetLastError = true)]
        static extern bool TerminateJobObject(IntPtr job, uint exitCode);

        [DllImport("kernel32.dll", SetLastError = true)]
        static extern bool CloseHandle(IntPtr handle);

        IntPtr handle;

        public ProcessJob()
        {
            handle = CreateJobObjectW(IntPtr.Zero, null);
            if (handle == IntPtr.Zero)
            {
                throw new Win32Exception(Marshal.GetLastWin32Error(), "CreateJobObject failed");
            }
            ExtendedLimits limits = new ExtendedLimits();
            limits.Basic.LimitFlags = KillOnJobClose;
            int length = Marshal.SizeOf(typeof(ExtendedLimits));
            if (!SetInformationJobObject(handle, ExtendedLimitInformation, ref limits, length))
            {
                int error = Marshal.GetLastWin32Error();
                Dispose();
                throw new Win32Exception(error, "SetInformationJobObject failed");
            }
        }

        // Right after the program started: from then on every process it starts is in the job too.
        public void Assign(Process process)
        {
            if (!AssignProcessToJobObject(handle, process.Handle))
            {
                throw new Win32Exception(Marshal.GetLastWin32Error(), "AssignProcessToJobObject failed");
            }
        }

        public void Terminate()
        {
            if (!TerminateJobObject(handle, EndedExitCode))
            {
                throw new Win32Exception(Marshal.GetLastWin32Error(), "TerminateJobObject failed");
            }
        }

        public void Dispose()
        {
            if (handle != IntPtr.Zero)
            {
                CloseHandle(handle);
                handle = IntPtr.Zero;
            }
        }
    }
}
'@
# How long the output may stay open once the program ended (executor_posix.HELD_OUTPUT_GRACE_SECONDS).
$heldOutputGraceSeconds = 5
# contract.CHANGED_SINCE_CHECKED: a file fed or copied against a checksum whose bytes are not the checksum's.
$changedSinceChecked = "{0}: its checksum is not the manifest's: it changed since it was checked; nothing was restored"

# ---- messages, encodings, hashes ----

function Get-Message($record) {
    # One line: the message PowerShell wrapped into its own exceptions.
    $exception = $record
    if ($record -is [Management.Automation.ErrorRecord]) { $exception = $record.Exception }
    $wrappers = @(
        [Management.Automation.MethodInvocationException],
        [Management.Automation.GetValueInvocationException],
        [AggregateException]
    )
    while ($null -ne $exception.InnerException -and @($wrappers | Where-Object { $exception -is $_ }).Count) {
        $exception = $exception.InnerException
    }
    $text = $exception.Message
    if ($exception.InnerException -is [ComponentModel.Win32Exception]) {
        $text += ' ' + $exception.InnerException.Message  # the reason Windows gave
    }
    ($text -replace '\s*[\r\n]+\s*', ' ').Trim()
}

function Get-Encoding($name) {
    # contract.ENCODINGS: text a code page cannot hold is refused, bytes it cannot read are replaced.
    if (-not $name) { $name = 'utf-8' }
    $pages = @{ 'utf-8' = 65001; 'latin-1' = 28591; 'oem' = $oemCodePage }
    if (-not ($pages.Keys -ccontains $name)) { throw "unknown encoding '$name'" }
    $refuse = [Text.EncoderFallback]::ExceptionFallback
    $replace = [Text.DecoderFallback]::ReplacementFallback
    [Text.Encoding]::GetEncoding($pages[$name], $refuse, $replace)
}

function Get-OemCodePage {
    # The system's OEM code page, which a program started with CreateNoWindow writes in; the session's culture
    # (WinRM and PSRP may set it from the client's locale) only when the registry cannot be read.
    try {
        $nls = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Nls\CodePage' -Name 'OEMCP'
        $page = [int]$nls.OEMCP
        $null = [Text.Encoding]::GetEncoding($page)  # a page .NET cannot use counts as a failed read
        $page
    } catch {
        [Globalization.CultureInfo]::CurrentCulture.TextInfo.OEMCodePage
    }
}

function New-Sha {
    # SHA256.Create() can fail where only the CryptoServiceProvider is allowed (FIPS policy).
    try {
        [Security.Cryptography.SHA256]::Create()
    } catch {
        New-Object Security.Cryptography.SHA256CryptoServiceProvider
    }
}

function ConvertTo-Hex([byte[]]$bytes) {
    [BitConverter]::ToString($bytes).Replace('-', '').ToLowerInvariant()
}

# ---- native programs ----

function ConvertTo-CommandLine([string[]]$argv) {
    # The only command line built here, by the MS C runtime rules exactly as subprocess.list2cmdline: an argument
    # that is empty or holds a space or a tab is quoted; backslashes double only before a quote, which gets one more.
    $line = New-Object Text.StringBuilder
    foreach ($item in $argv) {
        $text = [string]$item
        $slashes = 0
        if ($line.Length -gt 0) { [void]$line.Append(' ') }
        $quote = $text.Length -eq 0 -or $text.Contains(' ') -or $text.Contains("`t")
        if ($quote) { [void]$line.Append([char]'"') }
        foreach ($c in $text.ToCharArray()) {
            if ($c -eq [char]'\') {
                $slashes++
                continue
            }
            if ($c -eq [char]'"') {
                [void]$line.Append([char]'\', 2 * $slashes + 1)
            } else {
                [void]$line.Append([char]'\', $slashes)
            }
            [void]$line.Append($c)
            $slashes = 0
        }
        if ($quote) {
            [void]$line.Append([char]'\', 2 * $slashes).Append([char]'"')
        } else {
            [void]$line.Append([char]'\', $slashes)
        }
    }
    $line.ToString()
}

function New-StartInfo {
    # Every native program starts from here: no shell, all three handles redirected, output decoded as declared.
    param([object[]]$argv, $environment, [string]$cwd, [Text.Encoding]$encoding, $secretEnv = $null, $defaults = $null)
    if (@($argv).Count -eq 0 -or -not [string]$argv[0]) { throw 'argv names no program' }
    $info = New-Object Diagnostics.ProcessStartInfo
    $info.FileName = [string]$argv[0]
    $info.Arguments = ConvertTo-CommandLine @($argv | Select-Object -Skip 1)
    $info.UseShellExecute = $false
    $info.CreateNoWindow = $true
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.StandardOutputEncoding = $encoding
    $info.StandardErrorEncoding = $encoding
    if ($cwd) { $info.WorkingDirectory = $cwd }
    Set-Environment $info $environment $secretEnv $defaults
    $info
}

function Set-Environment([Diagnostics.ProcessStartInfo]$info, $environment, $secretEnv, $defaults) {
    # Defaults only where the host's own environment lacks them; secret_env names keys of the batch's secrets.
    # EnvironmentVariables is touched only to set one: until then the program inherits the environment as it is.
    if ($null -ne $defaults) {
        foreach ($p in $defaults.PSObject.Properties) {
            if ($null -eq [Environment]::GetEnvironmentVariable($p.Name)) {
                $info.EnvironmentVariables[$p.Name] = [string]$p.Value
            }
        }
    }
    if ($null -ne $environment) {
        foreach ($p in $environment.PSObject.Properties) { $info.EnvironmentVariables[$p.Name] = [string]$p.Value }
    }
    if ($null -ne $secretEnv) {
        foreach ($p in $secretEnv.PSObject.Properties) {
            $info.EnvironmentVariables[$p.Name] = [string]$secretValues[[string]$p.Value]
        }
    }
}

function Import-NativeCode {
    # The types are compiled once per host process: a PSRP runspace pool may already hold them from an earlier batch.
    if (-not ('OsccAdmin.ProcessJob' -as [type])) {
        Add-Type -TypeDefinition $processJobSource -Language CSharp
    }
}

function New-ProcessJob {
    Import-NativeCode
    New-Object OsccAdmin.ProcessJob
}

function Start-Program([Diagnostics.ProcessStartInfo]$info, $job) {
    # The program joins its job at once, so the processes it starts are in the job whatever becomes of it.
    try {
        $proc = [Diagnostics.Process]::Start($info)
    } catch {
        throw "$($info.FileName) could not be started: $(Get-Message $_)"
    }
    try {
        $job.Assign($proc)
    } catch {
        try { $proc.Kill() } catch { }
        $proc.Dispose()
        throw "$($info.FileName) could not be put in a job object: $(Get-Message $_)"
    }
    $proc
}

function Stop-Tree($job, [Diagnostics.Process]$proc) {
    # Process.Kill ends one process, a walk of parent ids misses those whose parent exited: the job ends them all.
    try {
        $job.Terminate()
    } catch {
        try { $proc.Kill() } catch { }  # at least the program itself
    }
    [void]$proc.WaitForExit(30000)
}

function Open-Input([Text.Encoding]$encoding, [string]$text, $files, $checksums) {
    # What stdin is fed in turn: the text, then each file; every file must be there before the program starts.
    $textStream = [IO.MemoryStream]::new($encoding.GetBytes($text))
    if ($null -ne $checksums) {
        $fileStreams = Open-Checked @($files) @($checksums)
    } else {
        $fileStreams = @(foreach ($f in @($files)) { if ($null -ne $f) { Open-Shared ([string]$f) } })
    }
    $streams = @($textStream) + $fileStreams
    , $streams
}

function Open-Checked([object[]]$files, [object[]]$checksums) {
    # Each stdin file held shared only with readers (a writer, renamer or deleter is refused while it is held),
    # hashed and compared, then rewound: the bytes fed are the bytes checked, all before the program starts.
    if ($files.Count -ne $checksums.Count) { throw 'stdin_sha256 must name one checksum per stdin file' }
    $held = [Collections.Generic.List[IO.Stream]]::new()
    try {
        for ($i = 0; $i -lt $files.Count; $i++) {
            $path = [string]$files[$i]
            $stream = [IO.File]::Open($path, [IO.FileMode]::Open, [IO.FileAccess]::Read, [IO.FileShare]::Read)
            $held.Add($stream)
            $digest = ConvertTo-Hex ((New-Sha).ComputeHash($stream))
            if ($digest -ne [string]$checksums[$i]) { throw ($changedSinceChecked -f $path) }
            [void]$stream.Seek(0, [IO.SeekOrigin]::Begin)
        }
    } catch {
        foreach ($stream in $held) { $stream.Dispose() }
        throw
    }
    , $held.ToArray()
}

function Start-Reads([Diagnostics.Process]$proc, $sink) {
    # Both outputs read while the program runs, so neither pipe fills up and blocks it: stdout copied into the
    # sink (a file's hashing stream) or read as text, stderr read as text. The two tasks, stdout's first.
    if ($null -ne $sink) {
        $out = $proc.StandardOutput.BaseStream.CopyToAsync($sink)
    } else {
        $out = $proc.StandardOutput.ReadToEndAsync()
    }
    $err = $proc.StandardError.ReadToEndAsync()
    , @($out, $err)
}

function Get-Output([object[]]$reads, [bool]$toFile) {
    # The output a run reports, also after a timeout: stderr when stdout went to a file, else stdout then stderr.
    # A read still held open (by a process outside the job) gives nothing.
    $wanted = $reads
    if ($toFile) { $wanted = @($reads[1]) }
    $text = ''
    foreach ($read in $wanted) {
        if ($read.IsFaulted) { throw (Get-Message $read.Exception) }
        if ($read.Status -eq [Threading.Tasks.TaskStatus]::RanToCompletion) { $text += $read.Result }
    }
    $text
}

function Wait-Program([Diagnostics.Process]$proc, [object[]]$reads, [object[]]$sources, [double]$seconds) {
    # 'done' when the program ended and all its output was read within $seconds; 'held' when it ended but, a few
    # seconds later, a process it started still holds its output; 'late' at the deadline. Its stdin is fed the
    # sources in turn, then closed.
    $deadline = [DateTime]::UtcNow.AddSeconds($seconds)
    $heldAfter = $null  # once the program ended: when a process still holding its output is ended
    $next = 0  # the source to feed next; one past the last: stdin is closed
    $feed = $null
    while ($true) {
        if ($null -ne $feed -and $feed.IsCompleted) { $feed = $null }
        if ($null -eq $feed -and $next -lt $sources.Count) {
            $feed = $sources[$next].CopyToAsync($proc.StandardInput.BaseStream)
            $next++
        } elseif ($null -eq $feed -and $next -eq $sources.Count) {
            try { $proc.StandardInput.Close() } catch { }
            $next++
        }
        if ($proc.HasExited) {
            if (-not @($reads | Where-Object { -not $_.IsCompleted }).Count) { return 'done' }
            if ($null -eq $heldAfter) { $heldAfter = [DateTime]::UtcNow.AddSeconds($heldOutputGraceSeconds) }
            if ([DateTime]::UtcNow -ge $heldAfter) { return 'held' }
        }
        if ([DateTime]::UtcNow -ge $deadline) { return 'late' }
        Start-Sleep -Milliseconds 25
    }
}

# ---- a prompted program's dialogue ----

function New-Conversation($stage) {
    # What the program printed and what was answered; due: the staged file a "return" copies to the target first;
    # held: with stage.sha256, each staged file held shared only with readers, hashed and compared (Open-Checked)
    # before the program starts, so a mismatch never starts it.
    $files = @()
    if ($null -ne $stage -and $null -ne $stage.files) { $files = @($stage.files) }
    $held = @()
    if ($null -ne $stage -and $null -ne $stage.sha256) {
        if ($files.Count -ne @($stage.sha256).Count) { throw 'stage.sha256 must name one checksum per staged file' }
        $held = Open-Checked $files @($stage.sha256)
    }
    # answers and last (the prompt text last answered): the stage a program stopped at its deadline reached.
    @{
        transcript = ''; consumed = 0; due = $null; answered = @{}; stage = $stage; files = $files
        answers = 0; last = ''; held = $held
    }
}

function Start-Reading([Diagnostics.Process]$proc) {
    # stdout and stderr are read together, so neither pipe fills up and blocks the program.
    $streams = @(
        @{ reader = $proc.StandardOutput; buffer = [char[]]::new(4096) },
        @{ reader = $proc.StandardError; buffer = [char[]]::new(4096) }
    )
    foreach ($stream in $streams) {
        $stream.task = $stream.reader.ReadAsync($stream.buffer, 0, 4096)
    }
    , $streams
}

function Receive-Output([object[]]$streams, $talk, [double]$milliseconds) {
    # 'closed' when both streams ended; 'read' when one gave text (added to the transcript) or ended; 'idle' when
    # neither did within the time given (at most a second).
    $open = @($streams | Where-Object { $null -ne $_.task })
    if ($open.Count -eq 0) { return 'closed' }
    $tasks = [Threading.Tasks.Task[]]@($open | ForEach-Object { $_.task })
    $ready = [Threading.Tasks.Task]::WaitAny($tasks, [int][Math]::Min($milliseconds, 1000))
    if ($ready -lt 0) { return 'idle' }
    $stream = $open[$ready]
    $count = 0
    if (-not $stream.task.IsFaulted) { $count = $stream.task.Result }
    if ($count -eq 0) {
        $stream.task = $null
    } else {
        $talk.transcript += [string]::new($stream.buffer, 0, $count)
        $stream.task = $stream.reader.ReadAsync($stream.buffer, 0, 4096)
    }
    'read'
}

function Find-Prompt($prompts, [string]$text) {
    # The table's earliest match in $text, case-insensitively, as @{ match; index }; $null when none matches.
    $found = $null
    $ignoreCase = [Text.RegularExpressions.RegexOptions]::IgnoreCase
    $options = $ignoreCase -bor [Text.RegularExpressions.RegexOptions]::CultureInvariant  # PRESS RETURN under tr-TR
    for ($i = 0; $i -lt $prompts.Count; $i++) {
        $pattern = [string]@($prompts[$i])[0]
        $match = [regex]::Match($text, $pattern, $options)
        if ($match.Success -and ($null -eq $found -or $match.Index -lt $found.match.Index)) {
            $found = @{ match = $match; index = $i }
        }
    }
    $found
}

function Test-Once($entry) {  # a prompt the table answers only once: asked again, the answer was refused
    @($entry | Select-Object -Skip 2) -ccontains 'once'
}

function Get-Reply($entry, $match, [int]$index, $talk) {
    # The text that answers a prompt (contract.OPERATIONS["prompted"]); a reply it must not give throws.
    $reply = [string]$entry[1]
    if ($reply -ceq 'abort') { throw "it asked a question the driver does not answer: '$($match.Value)'" }
    if ((Test-Once $entry) -and $talk.answered.ContainsKey($index)) {
        throw "it asked again for '$($match.Value)': the answer was refused"
    }
    $talk.answered[$index] = $true
    $talk.answers += 1
    $talk.last = $match.Value
    if ($reply.StartsWith('=', [StringComparison]::Ordinal)) {
        return $reply.Substring(1)  # a literal answer, whatever it spells
    }
    if ($reply -ceq 'return') {
        $due = $talk.due
        $target = [string]$talk.stage.target
        if ($null -ne $due -and @($talk.held).Count -gt 0) {  # from its held handle, hashed again as it is copied
            $partial = '{0}.{1}.partial' -f $target, $PID  # replaces the target only when the hash is the manifest's
            Copy-Checked ([string]$talk.files[$due]) $partial ([string]@($talk.stage.sha256)[$due]) $talk.held[$due]
            Move-Over $partial $target
        } elseif ($null -ne $due) {
            Copy-Shared ([string]$talk.files[$due]) $target ([IO.FileMode]::Create)
        }
        $talk.due = $null
        return ''
    }
    if ($reply -ceq 'level') { return Get-LevelReply $match $talk }
    if ($reply.StartsWith('secret:', [StringComparison]::Ordinal)) {
        return [string]$secretValues[$reply.Substring(7)]
    }
    throw "the reply '$reply' is neither =<text> nor return, level, abort or secret:<key>"
}

function Get-LevelReply($match, $talk) {
    # y when the plan holds the level asked for (its file is then due at the next return), else n.
    if (-not $match.Groups[1].Success) { throw "the level prompt '$($match.Value)' holds no level" }
    $level = [int]$match.Groups[1].Value
    if ($level -lt $talk.files.Count) {
        $talk.due = $level
        return 'y'
    }
    $talk.due = $null
    'n'
}

function Get-Unanswered($prompts, [hashtable]$answered) {
    # The patterns of the prompts to be answered once that were never asked.
    $patterns = @(
        for ($i = 0; $i -lt $prompts.Count; $i++) {
            if ((Test-Once $prompts[$i]) -and -not $answered.ContainsKey($i)) { [string]@($prompts[$i])[0] }
        }
    )
    , $patterns
}

# ---- files, links and locks ----

function Get-Entry([string]$path) {  # the file or folder itself (a link is not followed), or $null
    if ([IO.Directory]::Exists($path)) { return New-Object IO.DirectoryInfo($path) }
    if ([IO.File]::Exists($path)) { return New-Object IO.FileInfo($path) }
    $null
}

function Test-Link([IO.FileSystemInfo]$item) {  # a symbolic link or a junction (not a deduplicated or cloud file)
    if (($item.Attributes -band [IO.FileAttributes]::ReparsePoint) -eq 0) { return $false }
    try { @('SymbolicLink', 'Junction') -contains $item.LinkType } catch { $true }
}

function Resolve-Entry([IO.FileSystemInfo]$item) {
    # Where it leads, every link and junction on the way followed (realpath on POSIX); $null: a link to nothing.
    Import-NativeCode
    $final = ('OsccAdmin.FinalPath' -as [type])::Of($item.FullName)
    if ($null -ne $final -or (Test-Link $item)) { return $final }
    $item.FullName
}

function Assert-Below([string]$root, [string]$path) {
    # The full path when its folder is $root or below and no folder between them is a link; refused otherwise.
    if (-not $root) { throw "$path is not below an empty root" }
    $base = [IO.Path]::GetFullPath($root).TrimEnd('\', '/') + '\'
    $full = [IO.Path]::GetFullPath($path)
    if (-not [IO.Path]::GetFileName($full)) { throw "$path is not below $root" }
    $folder = [IO.Path]::GetDirectoryName($full).TrimEnd('\') + '\'
    if (-not $folder.StartsWith($base, [StringComparison]::OrdinalIgnoreCase)) { throw "$path is not below $root" }
    $up = [IO.Path]::GetDirectoryName($full)
    while (($up.TrimEnd('\') + '\').Length -gt $base.Length) {  # each folder below the root, from the path's own
        $entry = Get-Entry $up
        if ($null -ne $entry -and ($entry.Attributes -band [IO.FileAttributes]::ReparsePoint) -ne 0) {
            throw "$path is not below ${root}: $up is a link"
        }
        $up = [IO.Path]::GetDirectoryName($up)
    }
    $full
}

function Move-Over([string]$tmp, [string]$path) {  # a finished temporary file takes the place of $path
    Clear-ReadOnly $tmp
    if ([IO.File]::Exists($path)) {
        Invoke-Retried 'replace' $tmp $path
    } else {
        Invoke-Retried 'move' $tmp $path
    }
}

function Invoke-Retried([string]$change, [string]$path, [string]$other) {
    # A replace, move or delete is tried 5 times, 200 ms apart: antivirus or an indexer holds a new file for a
    # moment. Only IOException and UnauthorizedAccessException are tried again, a missing file or folder is not;
    # the last failure is thrown as it came.
    $attempt = 0
    $done = $false
    while (-not $done) {
        $attempt++
        try {
            switch -CaseSensitive ($change) {
                'replace' { [IO.File]::Replace($path, $other, [NullString]::Value) }
                'move' { [IO.File]::Move($path, $other) }
                'delete' { [IO.File]::Delete($path) }
                'move-folder' { [IO.Directory]::Move($path, $other) }
                'delete-link' { [IO.Directory]::Delete($path, $false) }  # not recursive: the link, not its target
                default { throw "unknown change '$change'" }
            }
            $done = $true
        } catch [IO.FileNotFoundException], [IO.DirectoryNotFoundException] {
            throw
        } catch [IO.IOException], [UnauthorizedAccessException] {
            if ($attempt -ge 5) { throw }
            Start-Sleep -Milliseconds 200
        }
    }
}

function Clear-ReadOnly([string]$path) {
    # Only for a file the executor wrote itself (its temporary files, locks and run records): read-only, it could
    # be neither replaced nor deleted.
    if ([IO.File]::Exists($path)) {
        $attributes = [IO.File]::GetAttributes($path)
        if (($attributes -band [IO.FileAttributes]::ReadOnly) -ne 0) {
            [IO.File]::SetAttributes($path, $attributes -bxor [IO.FileAttributes]::ReadOnly)
        }
    }
}

function Open-Shared([string]$path) {
    # A file opened for reading while others may write, append to, rename or delete it (a scheduled run's log).
    $sharing = [IO.FileShare]::ReadWrite -bor [IO.FileShare]::Delete
    [IO.File]::Open($path, [IO.FileMode]::Open, [IO.FileAccess]::Read, $sharing)
}

function Read-Bytes([string]$path, [long]$limit = [long]::MaxValue - 1) {
    # File.ReadAllBytes, but sharing the file with its writers; $null when it holds more than $limit bytes (a listing's
    # read_max: it may have grown since it was listed), never reading more than a buffer beyond it.
    $stream = Open-Shared $path
    try {
        $memory = [IO.MemoryStream]::new()
        $buffer = [byte[]]::new(65536)
        while ($memory.Length -le $limit) {
            $got = $stream.Read($buffer, 0, $buffer.Length)
            if ($got -eq 0) { break }
            $memory.Write($buffer, 0, $got)
        }
    } finally {
        $stream.Dispose()
    }
    if ($memory.Length -gt $limit) { return $null }
    , $memory.ToArray()
}

function Read-Text([string]$path) {  # File.ReadAllText (UTF-8 unless a byte order mark says otherwise), shared
    $reader = [IO.StreamReader]::new((Open-Shared $path), [Text.Encoding]::UTF8, $true)
    try { $reader.ReadToEnd() } finally { $reader.Dispose() }
}

function Copy-Shared([string]$src, [string]$dest, [IO.FileMode]$mode) {
    # $src read as Open-Shared does, written to $dest (Create: replaced, CreateNew: refused when it exists).
    $in = Open-Shared $src
    try {
        $out = [IO.File]::Open($dest, $mode, [IO.FileAccess]::Write, [IO.FileShare]::None)
        try { $in.CopyTo($out) } finally { $out.Dispose() }
    } finally {
        $in.Dispose()
    }
}

function Write-Atomically([string]$path, [byte[]]$data) {
    # A temporary file beside it, flushed to the disk, then a rename over it: the file is whole or untouched.
    $tmp = '{0}.{1}.partial' -f $path, $PID
    $made = $false
    try {
        $stream = [IO.File]::Open($tmp, [IO.FileMode]::Create, [IO.FileAccess]::Write, [IO.FileShare]::None)
        $made = $true
        try {
            $stream.Write($data, 0, $data.Length)
            $stream.Flush($true)
        } finally {
            $stream.Dispose()
        }
        Move-Over $tmp $path
    } finally {
        if ($made -and [IO.File]::Exists($tmp)) {
            Clear-ReadOnly $tmp
            Invoke-Retried 'delete' $tmp
        }
    }
}

function Get-MatchingNames([string]$path, [string]$pattern) {
    # Names matched by wildcards (* ? [..]) case-insensitively, as Windows names are, in any culture (-like folds
    # case by the session's culture); in ordinal order.
    $options = [Management.Automation.WildcardOptions]'IgnoreCase, CultureInvariant'
    $wildcard = [Management.Automation.WildcardPattern]::new($pattern, $options)
    $all = [IO.DirectoryInfo]::new($path).GetFileSystemInfos()
    [string[]]$names = @($all | ForEach-Object { $_.Name } | Where-Object { $wildcard.IsMatch($_) })
    [Array]::Sort($names, [StringComparer]::Ordinal)
    , $names
}

function Get-ListEntry([string]$folder, [string]$name, $readAs, $readNames, $readMax) {
    # One entry of a listing, with a file's content and sha256 when readAs names an encoding and readNames (a regular
    # expression whose first match is the whole name) takes it; a file over readMax bytes is not read (too_large).
    # Nothing if it is gone.
    $item = Get-Entry ([IO.Path]::Combine($folder, $name))
    if ($null -eq $item) { return }
    $size = 0
    if ($item -is [IO.FileInfo]) { $size = $item.Length }
    $row = [ordered]@{ name = $name; dir = $item -is [IO.DirectoryInfo]; link = (Test-Link $item); size = $size }
    $options = [Text.RegularExpressions.RegexOptions]::CultureInvariant
    $wanted = -not $readNames
    if (-not $wanted) {  # the first match at the start covers the whole name, as the POSIX executor asks it
        $match = [regex]::Match($name, [string]$readNames, $options)
        $wanted = $match.Success -and $match.Index -eq 0 -and $match.Length -eq $name.Length
    }
    if ($readAs -and $wanted -and $item -is [IO.FileInfo]) {
        $limit = [long]::MaxValue - 1
        if ($null -ne $readMax) { $limit = [long]$readMax }
        $bytes = $null
        if ($size -le $limit) { $bytes = Read-Bytes $item.FullName $limit }
        if ($null -eq $bytes) {
            $row.too_large = $true
            return $row
        }
        $row.content = (Get-Encoding $readAs).GetString($bytes)
        $row.sha256 = ConvertTo-Hex ((New-Sha).ComputeHash($bytes))
    }
    $row
}

function Read-Lock([string]$path) {
    # The lock's record; an empty one when it is empty or unreadable; $null when there is none.
    if (-not [IO.File]::Exists($path)) { return $null }
    try {
        $held = ConvertFrom-Json -InputObject (Read-Text $path)
    } catch {
        $held = $null
    }
    if ($held -is [Management.Automation.PSCustomObject]) { return $held }
    [pscustomobject]@{}
}

function Test-Breakable($held, [string]$token) {  # the cases of contract.OPERATIONS["lock"] in which a lock is broken
    # Asked only while this batch holds the lock's live handle: no batch that took or renewed it still runs.
    if (@($held.PSObject.Properties).Count -eq 0) { return $true }
    try {
        $earlier = $null -eq $held.owner -and $null -ne $held.pid -and [string]$held.host -ceq $env:COMPUTERNAME
        $asItWas = ($token -and [string]$held.token -ceq $token) -or $null -eq $held.expires  # the earlier rules
        if ($earlier -and $asItWas -and (Get-Process -Id ([int]$held.pid) -ErrorAction SilentlyContinue)) {
            return $false  # an earlier executor's lock, which its running process owns (a scheduled task's old copy)
        }
        if ($token -and [string]$held.token -ceq $token) { return $true }  # this run's, or handed over to it
        if ($null -ne $held.expires) { return (Get-EpochSeconds) -gt [double]$held.expires }
        if ($null -eq $held.pid) { throw 'no pid' }
        $null = [int]$held.pid  # a record of the wrong shape: nobody wrote it as a lock
        [string]$held.host -ceq $env:COMPUTERNAME  # it lived as long as its batch, which has ended
    } catch { $false }  # not a lock this collection wrote, so it is not broken
}

function Open-Live([string]$path) {
    # <path>.live opened exclusively: the lock's owner while its batch runs. A second open fails, in this process
    # too (PSRP runs every batch of a task in one), and Windows closes it when the process ends. $null while another
    # batch holds it. Tried 5 times, 200 ms apart: antivirus or an indexer may hold it for a moment.
    $exclusive = [IO.FileShare]::None
    for ($attempt = 1; $attempt -le 5; $attempt++) {
        try {
            return [IO.File]::Open("$path.live", [IO.FileMode]::OpenOrCreate, [IO.FileAccess]::ReadWrite, $exclusive)
        } catch [IO.IOException] {
            $reason = $_.Exception.GetBaseException()  # the IOException PowerShell wrapped
            if (($reason.HResult -band 0xFFFF) -ne 32) { throw }  # only ERROR_SHARING_VIOLATION means held
        }
        if ($attempt -lt 5) { Start-Sleep -Milliseconds 200 }
    }
    $null
}

function Get-EpochSeconds {
    [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000.0
}

function ConvertTo-LockBytes($record, $ttl) {
    # The record given, stamped with host, pid, started, owner, process_started, runspace and (with a ttl) expires,
    # as UTF-8 JSON.
    if ($record -isnot [Management.Automation.PSCustomObject]) { throw 'the lock record is not an object' }
    $started = [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ss.fffZ', [Globalization.CultureInfo]::InvariantCulture)
    $since = [Diagnostics.Process]::GetCurrentProcess().StartTime.ToUniversalTime()
    $stamp = @{ host = $env:COMPUTERNAME; pid = $PID; started = $started; owner = 'batch' }
    $stamp.process_started = $since.ToString('yyyy-MM-ddTHH:mm:ss.fffZ', [Globalization.CultureInfo]::InvariantCulture)
    $runspace = [runspace]::DefaultRunspace  # PSRP runs many in one process: which one took it, for people to read
    if ($null -ne $runspace) { $stamp.runspace = [string]$runspace.InstanceId }
    if ($null -ne $ttl) { $stamp.expires = (Get-EpochSeconds) + [int]$ttl }
    foreach ($key in $stamp.Keys) {
        $record | Add-Member -NotePropertyName $key -NotePropertyValue $stamp[$key] -Force
    }
    $json = ConvertTo-Json -InputObject $record -Depth 10 -Compress
    $bytes = [Text.UTF8Encoding]::new($false).GetBytes($json)
    , $bytes
}

function Open-Guard([string]$path) {
    # <path>.guard opened exclusively: one process at a time reads, breaks and creates the lock.
    $guard = "$path.guard"
    $exclusive = [IO.FileShare]::None
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ($true) {
        try {
            return [IO.File]::Open($guard, [IO.FileMode]::OpenOrCreate, [IO.FileAccess]::ReadWrite, $exclusive)
        } catch {
            if (-not [IO.File]::Exists($guard) -or [DateTime]::UtcNow -ge $deadline) { throw }
        }
        Start-Sleep -Milliseconds 50
    }
}

# ---- zip archives and cmdlets ----

function Open-Zip([string]$archive) {  # System.IO.Compression (.NET 4.5)
    $assembly = 'System.IO.Compression, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089'
    [void][Reflection.Assembly]::Load($assembly)
    # A name without the UTF-8 flag is read as ASCII, each other byte as U+FFFD: its code page is unknown (Windows
    # would read the ANSI one, Python cp437), so Invoke-OpUnzip refuses it, as the POSIX executor does.
    $refuse = [Text.EncoderFallback]::ExceptionFallback
    $unknown = [Text.DecoderReplacementFallback]::new([string][char]0xFFFD)
    $names = [Text.Encoding]::GetEncoding('us-ascii', $refuse, $unknown)
    $file = Open-Shared $archive
    try {
        [IO.Compression.ZipArchive]::new($file, [IO.Compression.ZipArchiveMode]::Read, $false, $names)
    } catch {
        $file.Dispose()
        throw "$archive is not a zip file: $(Get-Message $_)"
    }
}

function Get-EntryHash($entry) {
    $stream = $entry.Open()
    try { ConvertTo-Hex ((New-Sha).ComputeHash($stream)) } finally { $stream.Dispose() }
}

function Expand-Entry($entry, [string]$dest) {  # one entry written below dest, atomically
    $target = Assert-Below $dest (Get-Inside $dest $entry.FullName)
    $tmp = '{0}.{1}.partial' -f $target, $PID
    [void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($target))
    $in = $entry.Open()
    $out = [IO.File]::Open($tmp, [IO.FileMode]::Create, [IO.FileAccess]::Write, [IO.FileShare]::None)
    try {
        $in.CopyTo($out)
    } finally {
        $out.Dispose()
        $in.Dispose()
    }
    Move-Over $tmp $target
}

function Get-Inside([string]$dest, [string]$name) {  # a zip entry's path below dest; an entry leaving it is refused
    $parts = @($name.Replace('\', '/').Split('/') | Where-Object { $_ })
    $rooted = $name.StartsWith('/') -or $name.StartsWith('\')
    if ($parts.Count -eq 0 -or $parts -contains '..' -or $rooted -or $parts[0].Contains(':')) {
        throw "zip entry '$name' is not a path inside $dest"
    }
    [IO.Path]::Combine($dest, ($parts -join '\'))
}

function ConvertTo-Argument($value) {  # a JSON object becomes the hashtable cmdlets take; anything else stays
    if ($value -isnot [Management.Automation.PSCustomObject]) { return , $value }
    $table = @{}
    foreach ($p in $value.PSObject.Properties) { $table[$p.Name] = ConvertTo-Argument $p.Value }
    $table
}

function ConvertTo-Plain($value) {
    # A JSON value: dates in invariant ISO 8601, collections as lists of text, the rest as text.
    if ($null -eq $value -or $value -is [bool] -or $value -is [decimal]) { return $value }
    if ($value -is [DateTime]) { return $value.ToString('o', [Globalization.CultureInfo]::InvariantCulture) }
    if ($value -is [Enum]) { return $value.ToString() }
    if ($value -is [ValueType] -and $value.GetType().IsPrimitive) { return $value }
    $isText = $value -is [string] -or $value -is [Collections.IDictionary]
    if ($value -is [Collections.IEnumerable] -and -not $isText) { return , @($value | ForEach-Object { [string]$_ }) }
    [string]$value
}

function ConvertTo-Row($object) {  # the properties Select-Object kept, as plain values
    $row = [ordered]@{}
    foreach ($p in $object.PSObject.Properties) { $row[$p.Name] = ConvertTo-Plain $p.Value }
    $row
}

# ---- the operations: each reads its request as $op.<key> and returns hashtable literals of result keys ----

function Invoke-OpRun($op) {
    $encoding = Get-Encoding $op.encoding
    $toFile = [string]$op.stdout_file
    $sources = @()
    $file = $null
    $sink = $null
    $proc = $null
    $job = $null
    try {
        $sources = Open-Input $encoding ([string]$op.stdin_text) $op.stdin_files $op.stdin_sha256
        if ($toFile) {  # a new file, never an existing one, hashed while it streams
            $file = [IO.File]::Open($toFile, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write, [IO.FileShare]::Read)
            $hasher = New-Sha
            $mode = [Security.Cryptography.CryptoStreamMode]::Write
            $sink = [Security.Cryptography.CryptoStream]::new($file, $hasher, $mode)
        }
        $job = New-ProcessJob
        $info = New-StartInfo $op.argv $op.env $op.cwd $encoding $op.secret_env $op.env_defaults
        $proc = Start-Program $info $job
        $reads = Start-Reads $proc $sink
        $out = $reads[0]
        $ending = Wait-Program $proc $reads $sources ([double]$op.timeout)
        if ($ending -cne 'done') {  # at the deadline, or the program ended and what it started holds its output
            Stop-Tree $job $proc
            try { [void][Threading.Tasks.Task]::WaitAll([Threading.Tasks.Task[]]$reads, 30000) } catch { }
        }
        $timedOut = $ending -ceq 'late' -or -not $proc.HasExited
        $rc = -1  # a program that could not be ended has no exit code: it is reported timed out
        if ($proc.HasExited) { $rc = $proc.ExitCode }
        $halt = $null -ne $op.ok_rc -and -not (@($op.ok_rc) -contains $rc)
        $output = Get-Output $reads ([bool]$toFile)
        $errs = Get-Output @($reads[1]) $false  # each stream alone too: how output orders them differs by host
        if (-not $toFile) {
            $outs = Get-Output @($reads[0]) $false
            return @{ rc = $rc; output = $output; stdout = $outs; stderr = $errs; timed_out = $timedOut; halt = $halt }
        }
        if (-not $out.IsCompleted) { throw "$toFile is still held open after the program was ended" }
        if ($out.IsFaulted) { throw (Get-Message $out.Exception) }
        $sink.FlushFinalBlock()
        $digest = ConvertTo-Hex $hasher.Hash
        @{
            rc = $rc
            output = $output
            stderr = $errs
            timed_out = $timedOut
            halt = $halt
            stdout_sha256 = $digest
            stdout_size = $file.Length
        }
    } finally {
        foreach ($stream in @($sources + @($sink, $file))) {
            if ($null -ne $stream) { $stream.Dispose() }
        }
        if ($null -ne $proc) { $proc.Dispose() }
        if ($null -ne $job) { $job.Dispose() }  # kill-on-close: nothing the program started outlives the run
    }
}

function Invoke-OpPrompted($op) {
    # The table's patterns match, case-insensitively, what it printed since the last answer; the earliest wins.
    $encoding = Get-Encoding $op.encoding
    $prompts = @($op.prompts)
    $seconds = [double]$op.timeout
    $talk = New-Conversation $op.stage  # the staged files checked and held: the program not started on a mismatch
    $name = [IO.Path]::GetFileName([string]@($op.argv)[0])
    $job = New-ProcessJob
    try {
        $proc = Start-Program (New-StartInfo $op.argv $op.env $op.cwd $encoding) $job
    } catch {
        $job.Dispose()
        foreach ($stream in $talk.held) { $stream.Dispose() }
        throw
    }
    $streams = Start-Reading $proc
    $deadline = [DateTime]::UtcNow.AddSeconds($seconds)
    try {
        while ($true) {
            $remaining = ($deadline - [DateTime]::UtcNow).TotalMilliseconds
            $late = $remaining -le 0
            if ($late) { break }
            $heard = Receive-Output $streams $talk $remaining
            if ($heard -ceq 'closed') { break }
            $found = Find-Prompt $prompts ($talk.transcript.Substring($talk.consumed))  # what is not answered yet
            if ($null -eq $found) {
                if ($heard -ceq 'idle' -and $proc.HasExited) { break }
                continue
            }
            $talk.consumed += $found.match.Index + $found.match.Length
            $entry = @($prompts[$found.index])
            $reply = Get-Reply $entry $found.match $found.index $talk
            $bytes = $encoding.GetBytes($reply + "`r`n")
            try {
                $proc.StandardInput.BaseStream.Write($bytes, 0, $bytes.Length)
                $proc.StandardInput.BaseStream.Flush()
            } catch { }  # it stopped reading: its exit code says why
        }
        $left = [int][Math]::Max(0, ($deadline - [DateTime]::UtcNow).TotalMilliseconds)
        $late = $late -or -not $proc.WaitForExit($left)  # its output closed, it may still wait (on the console)
        if ($late) {  # where it stood (contract.PROMPTED_LATE): the controller names the likely cause from it
            $since = $talk.transcript.Substring($talk.consumed).Trim().Length  # characters other than white space
            $stage = "answered $($talk.answers), printed $($talk.transcript.Trim().Length), since the last answer"
            throw "$name did not finish within $seconds seconds [$stage $since, last answered: $($talk.last)]"
        }
        $rc = $proc.ExitCode
    } catch {
        $why = Get-Message $_
        Stop-Tree $job $proc
        $tail = $talk.transcript.Substring([Math]::Max(0, $talk.transcript.Length - 500))
        throw "$why; $name was stopped. Output: $tail"
    } finally {
        $proc.Dispose()
        $job.Dispose()
        foreach ($stream in $talk.held) { $stream.Dispose() }  # the staged files stay held until the program ended
    }
    $unanswered = Get-Unanswered $prompts $talk.answered
    $output = $talk.transcript
    @{ rc = $rc; output = $output; tail = $output.Substring($talk.consumed); unanswered = $unanswered }
}

function Invoke-OpRead($op) {
    $path = [string]$op.path
    $encoding = Get-Encoding $op.encoding
    if ([IO.Directory]::Exists($path)) { return @{ exists = $false; dir = $true } }  # a folder: no file, and why
    if (-not [IO.File]::Exists($path)) { return @{ exists = $false } }
    $bytes = Read-Bytes $path
    $digest = ConvertTo-Hex ((New-Sha).ComputeHash($bytes))
    @{ exists = $true; content = $encoding.GetString($bytes); sha256 = $digest }
}

function Invoke-OpWrite($op) {  # atomic: a temporary file beside it, then a rename over it
    $path = [string]$op.path
    $data = (Get-Encoding $op.encoding).GetBytes([string]$op.content)
    if ($op.append) {  # a log such as results.txt: the content is added to its end
        $stream = [IO.File]::Open($path, [IO.FileMode]::Append, [IO.FileAccess]::Write, [IO.FileShare]::Read)
        try { $stream.Write($data, 0, $data.Length) } finally { $stream.Dispose() }
        return @{ changed = $data.Length -gt 0; backup_file = $null }
    }
    $current = $null
    if ([IO.File]::Exists($path)) { $current = Read-Bytes $path }
    $have = ConvertTo-Hex ((New-Sha).ComputeHash([byte[]]::new(0)))
    if ($null -ne $current) { $have = ConvertTo-Hex ((New-Sha).ComputeHash($current)) }
    $same = $null -ne $current -and $have -ceq (ConvertTo-Hex ((New-Sha).ComputeHash($data)))
    if ($same) { return @{ changed = $false; backup_file = $null } }
    $expected = $op.expected_sha256
    $isNew = $null -eq $current -and [string]$expected -ceq ''  # "" expected: it must not exist yet
    if ($null -ne $expected -and [string]$expected -cne $have -and -not $isNew) {
        throw "$path changed since it was read; nothing written"
    }
    $backup = $null
    if ($op.backup -and $null -ne $current) {
        $now = [DateTime]::Now.ToString('yyyyMMddHHmmss', [Globalization.CultureInfo]::InvariantCulture)
        $backup = '{0}.{1}.bak' -f $path, $now
        Copy-Shared $path $backup ([IO.FileMode]::CreateNew)
        [IO.File]::SetLastWriteTimeUtc($backup, [IO.File]::GetLastWriteTimeUtc($path))  # kept, as copy2 keeps it
    }
    Write-Atomically $path $data
    @{ changed = $true; backup_file = $backup }
}

function Invoke-OpList($op) {
    $path = [string]$op.path
    $pattern = '*'
    if ($op.pattern) { $pattern = [string]$op.pattern }
    if (-not [IO.Directory]::Exists($path)) { return @{ exists = $false; entries = @() } }
    $names = Get-MatchingNames $path $pattern
    $readNames = $op.read_names
    $readMax = $op.read_max
    $entries = @(foreach ($name in $names) { Get-ListEntry $path $name $op.read $readNames $readMax })
    @{ exists = $true; entries = $entries }
}

function Invoke-OpStat($op) {  # dir: a folder or a link to one; resolved: where it leads
    $item = Get-Entry ([string]$op.path)
    if ($null -eq $item) { return @{ exists = $false; dir = $false; link = $false } }
    $size = 0
    if ($item -is [IO.FileInfo]) { $size = $item.Length }
    $resolved = Resolve-Entry $item
    $dangling = $null -eq $resolved  # a link to nothing is there, as on POSIX, but leads to no folder
    $isFolder = $item -is [IO.DirectoryInfo] -and -not $dangling
    $isLink = Test-Link $item
    $identity = $null  # what it opens (Resolve-Entry compiled the native code)
    if (-not $dangling) { $identity = ('OsccAdmin.FinalPath' -as [type])::IdentityOf($item.FullName) }
    @{ exists = $true; dir = $isFolder; size = $size; link = $isLink; dangling = $dangling; resolved = $resolved
        identity = $identity }
}

function Invoke-OpHash($op) {
    $path = [string]$op.path
    if (-not [IO.File]::Exists($path)) { return @{ exists = $false } }
    $stream = Open-Shared $path
    try {
        $digest = ConvertTo-Hex ((New-Sha).ComputeHash($stream))
        $size = $stream.Length
    } finally {
        $stream.Dispose()
    }
    @{ exists = $true; sha256 = $digest; size = $size }
}

function Invoke-OpMkdir($op) {  # a folder that is a link, or lies below one, is refused: never written through
    $path = [string]$op.path
    $item = Get-Entry $path
    if ($null -ne $item -and (Test-Link $item)) {
        throw "$path is a link (symbolic link or junction); the collection writes into real folders only"
    }
    $full = [IO.Path]::GetFullPath($path).TrimEnd('\', '/')
    $root = [IO.Path]::GetPathRoot($full).TrimEnd('\', '/')
    $linkAbove = $null
    $above = [IO.Path]::GetDirectoryName($full)
    while ($above -and $above.TrimEnd('\', '/').Length -gt $root.Length) {  # below the drive or share root only
        $entry = Get-Entry $above
        if ($null -ne $entry -and (Test-Link $entry)) { $linkAbove = $above }  # the last found is the topmost
        $above = [IO.Path]::GetDirectoryName($above)
    }
    if ($null -ne $linkAbove) {
        $why = 'a link (symbolic link or junction); the collection writes into real folders only'
        throw "$path lies below $linkAbove, $why"
    }
    if ($item -is [IO.DirectoryInfo]) { return @{ created = $false } }
    [void][IO.Directory]::CreateDirectory($path)
    @{ created = $true }
}

function Invoke-OpRemove($op) {  # a file, or a link as the link itself, never what it leads to; never a folder
    $path = Assert-Below ([string]$op.root) ([string]$op.path)
    $item = Get-Entry $path
    if ($null -eq $item) { return @{ removed = $false } }
    if ($item -is [IO.DirectoryInfo]) {
        if (($item.Attributes -band [IO.FileAttributes]::ReparsePoint) -eq 0) {
            throw "$path is a folder; only files are removed"
        }
        Invoke-Retried 'delete-link' $path
    } else {
        Invoke-Retried 'delete' $path
    }
    @{ removed = $true }
}

function Invoke-OpMove($op) {
    $src = Assert-Below ([string]$op.root) ([string]$op.src)
    $dest = Assert-Below ([string]$op.root) ([string]$op.dest)
    $item = Get-Entry $src
    if ($null -eq $item) { return @{ moved = $false } }
    if ($item -is [IO.DirectoryInfo]) {
        Invoke-Retried 'move-folder' $src $dest
    } else {
        Move-Over $src $dest
    }
    @{ moved = $true }
}

function Invoke-OpLock($op) {  # under the guard: a lock that may be broken is, then the new one is created atomically
    $path = [string]$op.path
    $bytes = ConvertTo-LockBytes $op.record $op.ttl
    $token = [string]$op.break_token
    $live = $null
    $guard = Open-Guard $path
    try {
        $held = Read-Lock $path
        $notOurs = $null -eq $held -or [string]$held.token -cne $token
        if ($op.renew -and $notOurs) { return @{ acquired = $false; holder = $held; halt = $true } }
        $live = Open-Live $path
        # live: the batch that took it still runs
        if ($null -eq $live) { return @{ acquired = $false; holder = $held; live = $true; halt = $true } }
        if ($null -ne $held -and (Test-Breakable $held $token)) {
            Clear-ReadOnly $path  # the lock file the executor wrote
            Invoke-Retried 'delete' $path
        }
        try {
            $stream = [IO.File]::Open($path, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write, [IO.FileShare]::None)
        } catch {
            if (-not [IO.File]::Exists($path)) { throw }
            # not breakable, and no batch of it runs
            return @{ acquired = $false; holder = (Read-Lock $path); live = $false; halt = $true }
        }
        try {
            $stream.Write($bytes, 0, $bytes.Length)
            $stream.Flush($true)
        } finally {
            $stream.Dispose()
        }
        if ($op.hold -ne $false) {  # held live to the end of this batch; without, only the lease or token holds it
            $liveHandles[$path] = $live
            $live = $null
        }
    } finally {
        if ($null -ne $live) { $live.Dispose() }
        $guard.Dispose()
    }
    @{ acquired = $true }
}

function Invoke-OpLockLive($op) {  # read-only: whether a batch holds <path>.live now; no file is created
    $path = [string]$op.path
    if (-not [IO.File]::Exists("$path.live")) { return @{ live = $false } }  # never held: the lock op creates it
    $guard = $null
    if ([IO.File]::Exists("$path.guard")) { $guard = Open-Guard $path }  # a batch taking the lock meanwhile waits
    try {
        try {
            $handle = Open-Shared "$path.live"  # the batch holding it shares nothing (Open-Live)
        } catch {
            $reason = $_.Exception.GetBaseException()  # the IOException PowerShell wrapped
            if ($reason -isnot [IO.IOException] -or ($reason.HResult -band 0xFFFF) -ne 32) { throw }
            return @{ live = $true }  # only ERROR_SHARING_VIOLATION means held
        }
        $handle.Dispose()
    } finally {
        if ($null -ne $guard) { $guard.Dispose() }
    }
    @{ live = $false }
}

function Invoke-OpUnlock($op) {  # removed only while it carries the token
    $path = [string]$op.path
    $guard = Open-Guard $path
    try {
        $held = Read-Lock $path
        if ($null -eq $held -or $null -eq $held.token -or [string]$held.token -cne [string]$op.token) {
            return @{ released = $false }
        }
        if ($liveHandles.ContainsKey($path)) {  # this batch's own: the lock is no batch's any more
            $liveHandles[$path].Dispose()
            [void]$liveHandles.Remove($path)
        }
        Clear-ReadOnly $path  # the lock file the executor wrote
        Invoke-Retried 'delete' $path
    } finally {
        $guard.Dispose()
    }
    @{ released = $true }
}

function Invoke-OpCopy($op) {  # atomic: a temporary file beside dest, then a rename; dest's folder is created
    $src = [string]$op.src
    $dest = [string]$op.dest
    if (-not [IO.File]::Exists($src)) { return @{ copied = $false } }
    [void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName([IO.Path]::GetFullPath($dest)))
    $tmp = '{0}.{1}.partial' -f $dest, $PID
    if ($null -eq $op.sha256) {
        Copy-Shared $src $tmp ([IO.FileMode]::Create)
    } else {
        Copy-Checked $src $tmp ([string]$op.sha256)
    }
    Move-Over $tmp $dest
    @{ copied = $true }
}

function Copy-Checked([string]$src, [string]$tmp, [string]$sha256, [IO.Stream]$held) {
    # $src (or the stream $held on it, rewound) copied to $tmp, each byte hashed as it is read; a copy whose hash is
    # not $sha256 is removed and refused.
    $hasher = New-Sha
    $in = $held
    if ($null -eq $held) {
        $in = Open-Shared $src
    } else {
        [void]$in.Seek(0, [IO.SeekOrigin]::Begin)
    }
    try {
        $out = [IO.File]::Open($tmp, [IO.FileMode]::Create, [IO.FileAccess]::Write, [IO.FileShare]::None)
        try {
            $mode = [Security.Cryptography.CryptoStreamMode]::Write
            $sink = [Security.Cryptography.CryptoStream]::new($out, $hasher, $mode)
            $in.CopyTo($sink)
            $sink.FlushFinalBlock()
        } finally {
            $out.Dispose()
        }
    } finally {
        if ($null -eq $held) { $in.Dispose() }  # a held stream is its owner's to close
    }
    if ((ConvertTo-Hex $hasher.Hash) -ne $sha256) {
        Invoke-Retried 'delete' $tmp ''
        throw ($changedSinceChecked -f $src)
    }
}

function Invoke-OpUnzip($op) {  # each file entry hashed, the wanted ones written below dest
    $archive = [string]$op.archive
    if (-not [IO.File]::Exists($archive)) { return @{ exists = $false; files = @{} } }
    $zip = Open-Zip $archive
    try {
        $entries = @($zip.Entries | Where-Object { -not ($_.FullName.EndsWith('/') -or $_.FullName.EndsWith('\')) })
        $names = @($entries | ForEach-Object { $_.FullName })
        $foreign = @($names | Where-Object { $_.Contains([string][char]0xFFFD) })
        if ($foreign.Count) { throw "zip entry '$($foreign[0])' is named neither in ASCII nor in flagged UTF-8" }
        $wanted = $null
        if ($null -ne $op.entries) { $wanted = [string[]]@($op.entries) }
        foreach ($name in @($wanted)) {
            if ($null -ne $name -and -not ($names -ccontains $name)) { throw "$archive holds no entry '$name'" }
        }
        $files = [ordered]@{}
        foreach ($entry in $entries) {
            $files[$entry.FullName] = Get-EntryHash $entry
            if (-not $op.dest -or ($null -ne $wanted -and -not ($wanted -ccontains $entry.FullName))) { continue }
            Expand-Entry $entry ([string]$op.dest)
        }
    } finally {
        $zip.Dispose()
    }
    @{ exists = $true; files = $files }
}

function Invoke-OpEnv($op) {
    $scopes = @{ process = [EnvironmentVariableTarget]::Process; machine = [EnvironmentVariableTarget]::Machine }
    $scope = 'process'
    if ($op.scope) { $scope = [string]$op.scope }
    if (-not ($scopes.Keys -ccontains $scope)) { throw "unknown scope '$scope'" }
    $values = [ordered]@{}
    foreach ($n in @($op.names)) {
        $values[[string]$n] = [Environment]::GetEnvironmentVariable([string]$n, $scopes[$scope])
    }
    @{ values = $values; computer_name = $env:COMPUTERNAME }
}

function Invoke-OpCmdlet($op) {  # a cmdlet or a module's function by name, never a script, a program or code
    if ($op.module) { Import-Module -Name ([string]$op.module) }
    if ($op.snapin -and -not (Get-PSSnapin -Name ([string]$op.snapin) -ErrorAction SilentlyContinue)) {
        Add-PSSnapin -Name ([string]$op.snapin)
    }
    $name = [string]$op.name
    if ($name -cnotmatch '^[A-Za-z]+-[A-Za-z0-9]+$') { throw "'$name' is not a cmdlet name" }
    $command = Get-Command -Name $name -CommandType Cmdlet, Function
    if ($command.CommandType -eq 'Function' -and -not $command.Module) {
        throw "$name is not a cmdlet or a module's function"
    }
    $params = @{}
    if ($null -ne $op.parameters) {
        foreach ($p in $op.parameters.PSObject.Properties) { $params[$p.Name] = ConvertTo-Argument $p.Value }
    }
    $select = @('*')
    if ($null -ne $op.select) { $select = [string[]]@($op.select) }
    $objects = @(& $command @params | Select-Object -Property $select | ForEach-Object { ConvertTo-Row $_ })
    @{ objects = $objects }
}

$operations = @{
    run = 'Invoke-OpRun'
    prompted = 'Invoke-OpPrompted'
    read = 'Invoke-OpRead'
    write = 'Invoke-OpWrite'
    list = 'Invoke-OpList'
    stat = 'Invoke-OpStat'
    hash = 'Invoke-OpHash'
    mkdir = 'Invoke-OpMkdir'
    remove = 'Invoke-OpRemove'
    move = 'Invoke-OpMove'
    lock = 'Invoke-OpLock'
    lock_live = 'Invoke-OpLockLive'
    unlock = 'Invoke-OpUnlock'
    copy = 'Invoke-OpCopy'
    unzip = 'Invoke-OpUnzip'
    env = 'Invoke-OpEnv'
    cmdlet = 'Invoke-OpCmdlet'
}

# ---- the batch ----

function Get-WhatIfRefusal($request, [bool]$readOnly) {  # contract.what_if_refusal: why it may not run under what-if
    $name = [string]$request.op
    if (@('lock_live', 'read', 'list', 'stat', 'hash', 'env') -ccontains $name) { return $null }
    if ($name -ceq 'unzip' -and -not $request.dest) { return $null }
    $getter = ([string]$request.name).StartsWith('Get-', [StringComparison]::OrdinalIgnoreCase)
    if ($name -ceq 'cmdlet' -and ($readOnly -or $getter)) { return $null }
    if ($name -ceq 'run' -and $readOnly -and -not $request.stdout_file) { return $null }
    "$name is refused under what-if (check mode): it may write"
}

function Invoke-One($request, $mode) {  # one operation's result: its keys with op and ok, or op, ok = false, error
    $name = $request.op
    try {
        if (-not ($operations.Keys -ccontains $name)) { throw "operation '$name' is not offered on this host" }
        $refusal = $null
        if ($mode.what_if) { $refusal = Get-WhatIfRefusal $request $mode.read_only }
        if ($refusal) { throw $refusal }
        $done = & $operations[$name] $request
        if ($done -isnot [hashtable]) { throw "operation $name gave no single result" }
        $done.op = $name
        $done.ok = $true
        $done
    } catch {
        @{ op = $name; ok = $false; error = (Get-Message $_) }
    }
}

function Read-Secrets([SecureString]$secure) {
    # The batch's secrets by key, from a SecureString of a JSON object; its plain text is freed at once.
    $values = @{}
    if ($null -eq $secure) { return $values }
    $bstr = [Runtime.InteropServices.Marshal]::SecureStringToBSTR($secure)
    try {
        $plain = [Runtime.InteropServices.Marshal]::PtrToStringBSTR($bstr)
    } finally {
        [Runtime.InteropServices.Marshal]::ZeroFreeBSTR($bstr)
    }
    foreach ($p in (ConvertFrom-Json -InputObject $plain).PSObject.Properties) { $values[$p.Name] = [string]$p.Value }
    $values
}

function Save-Record([string]$path, $result) {  # $null once the run record is written whole, else why it is not
    try {
        $json = ConvertTo-Json -InputObject $result -Depth 10 -Compress
        [IO.File]::WriteAllText("$path.partial", $json, [Text.UTF8Encoding]::new($false))
        Clear-ReadOnly $path  # the previous record: the executor wrote it
        Move-Over "$path.partial" $path
        $null
    } catch {
        "the run record could not be written: $(Get-Message $_)"  # executor_posix.run_batch's words
    }
}

# The batch: the operations in order up to the first that fails, then every cleanup operation.
$secretValues = @{}
$liveHandles = @{}  # lock path -> the live handle this batch holds (Invoke-OpLock), closed when the batch ends
$oemCodePage = Get-OemCodePage  # read once per batch
try {
    $secretValues = Read-Secrets $Secrets
    if ($BatchFile) { $Batch = Read-Text $BatchFile }
    $document = ConvertFrom-Json -InputObject $Batch
    $stamp = $null
    if ($document.stamp) {  # each run of a saved batch names its files by the time it started
        $stamp = [DateTime]::UtcNow.ToString('yyyyMMddTHHmmssfff', [Globalization.CultureInfo]::InvariantCulture)
        $document = ConvertFrom-Json -InputObject $Batch.Replace([string]$document.stamp, $stamp)
    }
    $mode = @{ what_if = $whatIf -or [bool]$document.what_if; read_only = [bool]$document.read_only }
    $results = New-Object Collections.ArrayList
    $failedAt = $null
    $deadline = $null
    if ($document.time_limit) { $deadline = [DateTime]::UtcNow.AddSeconds([double]$document.time_limit) }
    foreach ($item in $document.ops) {
        if ($null -ne $deadline -and $null -ne $item.timeout) {
            # a program gets at most the batch's time left (at least a second: it then ends timed out)
            $left = [Math]::Floor(($deadline - [DateTime]::UtcNow).TotalSeconds)
            $item.timeout = [Math]::Max(1, [Math]::Min([double]$item.timeout, $left))
        }
        $done = Invoke-One $item $mode
        [void]$results.Add($done)
        if (-not $done.ok -or $done.halt) {
            $failedAt = $results.Count - 1
            break
        }
    }
    $result = @{ results = $results.ToArray(); cleanup = @(); failed_at = $failedAt; stamp = $stamp }
    $failed = $null -ne $failedAt
    # A scheduled run's record, written while its lock still stands, before the cleanup; never under what-if.
    if ($document.record -and -not $mode.what_if) {
        $unsaved = Save-Record ([string]$document.record) $result
        # the host's own copy, the one the controller trusts (the record may lie on a share others write)
        if (-not $unsaved -and $document.host_record) { $unsaved = Save-Record ([string]$document.host_record) $result }
        if ($unsaved) {
            $result.error = $unsaved
            $failed = $true
        }
    }
    $cleanup = New-Object Collections.ArrayList
    foreach ($item in $document.cleanup) { [void]$cleanup.Add((Invoke-One $item $mode)) }
    $result.cleanup = $cleanup.ToArray()
} catch {  # an unforeseen fault still reaches the controller as one readable line
    $reason = "$($_.Exception.GetType().Name): $(Get-Message $_)"
    $result = @{ results = @(); cleanup = @(); failed_at = 0; error = $reason }
    $failed = $true
} finally {  # the locks it took live are no batch's any more, whether this process lives on (PSRP) or not
    foreach ($live in $liveHandles.Values) { $live.Dispose() }
}
if ($BatchFile -and $failed) {
    ConvertTo-Json -InputObject $result -Depth 10 -Compress
    exit 1  # Task Scheduler sees the failure
}
ConvertTo-Json -InputObject $result -Depth 10 -Compress
