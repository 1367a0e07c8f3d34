# oscc.admin host executor v1
[CmdletBinding()] param([string]$Batch, [string]$BatchFile, [SecureString]$Secrets)
# The Windows host executor (Windows PowerShell 5.1): the primitives of plugin_utils/_host/contract.py with the semantics
# of executor_posix.py, no decision. win_powershell runs it with -Batch (JSON) and -Secrets (a SecureString of a JSON
# object); Task Scheduler with -BatchFile (a saved batch: a failed one exits 1). Its output is one JSON string. A
# program is an argv, no shell reads it. Each Invoke-Op function reads its request only as $op.<key> and returns
# hashtable literals of its result keys (tests/static/test_executor_contract.py).
$ErrorActionPreference = 'Stop'

function Get-Message($record) {  # one line: the message PowerShell wrapped into its own exceptions
    $e = $record; if ($record -is [Management.Automation.ErrorRecord]) { $e = $record.Exception }
    $wrappers = @([Management.Automation.MethodInvocationException], [Management.Automation.GetValueInvocationException], [AggregateException])
    while ($null -ne $e.InnerException -and @($wrappers | Where-Object { $e -is $_ }).Count) { $e = $e.InnerException }
    $text = $e.Message
    if ($e.InnerException -is [ComponentModel.Win32Exception]) { $text += ' ' + $e.InnerException.Message }  # the reason Windows gave
    ($text -replace '\s*[\r\n]+\s*', ' ').Trim()
}
function Get-Encoding($name) {  # contract.ENCODINGS; text a code page cannot hold is refused, bytes it cannot read replaced
    if (-not $name) { $name = 'utf-8' }
    $pages = @{ 'utf-8' = 65001; 'latin-1' = 28591; 'oem' = [Globalization.CultureInfo]::CurrentCulture.TextInfo.OEMCodePage }
    if (-not ($pages.Keys -ccontains $name)) { throw "unknown encoding '$name'" }
    [Text.Encoding]::GetEncoding($pages[$name], [Text.EncoderFallback]::ExceptionFallback, [Text.DecoderFallback]::ReplacementFallback)
}
function New-Sha { try { [Security.Cryptography.SHA256]::Create() } catch { New-Object Security.Cryptography.SHA256CryptoServiceProvider } }
function ConvertTo-Hex([byte[]]$bytes) { [BitConverter]::ToString($bytes).Replace('-', '').ToLowerInvariant() }

function ConvertTo-CommandLine([string[]]$argv) {
    # The only command line built here, by the MS C runtime rules exactly as subprocess.list2cmdline: an argument
    # that is empty or holds a space or a tab is quoted; backslashes double only before a quote, which gets one more.
    $line = New-Object Text.StringBuilder
    foreach ($item in $argv) {
        $text = [string]$item; $slashes = 0
        if ($line.Length -gt 0) { [void]$line.Append(' ') }
        $quote = $text.Length -eq 0 -or $text.Contains(' ') -or $text.Contains("`t")
        if ($quote) { [void]$line.Append([char]'"') }
        foreach ($c in $text.ToCharArray()) {
            if ($c -eq [char]'\') { $slashes++; continue }
            if ($c -eq [char]'"') { [void]$line.Append([char]'\', 2 * $slashes + 1) } else { [void]$line.Append([char]'\', $slashes) }
            [void]$line.Append($c); $slashes = 0
        }
        if ($quote) { [void]$line.Append([char]'\', 2 * $slashes).Append([char]'"') } else { [void]$line.Append([char]'\', $slashes) }
    }
    $line.ToString()
}
function New-StartInfo([object[]]$argv, $vars, [string]$cwd, [Text.Encoding]$encoding, $secretEnv = $null, $defaults = $null) {
    # Every native program starts from here: no shell, all three handles redirected, output decoded as declared.
    if (@($argv).Count -eq 0 -or -not [string]$argv[0]) { throw 'argv names no program' }
    $info = New-Object Diagnostics.ProcessStartInfo
    $info.FileName = [string]$argv[0]
    $info.Arguments = ConvertTo-CommandLine @($argv | Select-Object -Skip 1)
    $info.UseShellExecute = $false; $info.CreateNoWindow = $info.RedirectStandardInput = $info.RedirectStandardOutput = $info.RedirectStandardError = $true
    $info.StandardOutputEncoding = $info.StandardErrorEncoding = $encoding
    if ($cwd) { $info.WorkingDirectory = $cwd }
    if ($null -ne $defaults) { foreach ($p in $defaults.PSObject.Properties) { if ($null -eq [Environment]::GetEnvironmentVariable($p.Name)) { $info.EnvironmentVariables[$p.Name] = [string]$p.Value } } }
    if ($null -ne $vars) { foreach ($p in $vars.PSObject.Properties) { $info.EnvironmentVariables[$p.Name] = [string]$p.Value } }
    if ($null -ne $secretEnv) { foreach ($p in $secretEnv.PSObject.Properties) { $info.EnvironmentVariables[$p.Name] = [string]$secretValues[[string]$p.Value] } }
    $info
}
function Start-Program([Diagnostics.ProcessStartInfo]$info) { try { [Diagnostics.Process]::Start($info) } catch { throw "$($info.FileName) could not be started: $(Get-Message $_)" } }
function Stop-Tree([Diagnostics.Process]$proc) {  # .NET Framework's Process.Kill ends one process, not its children
    if (-not $proc.HasExited) {
        $argv = @((Join-Path ([Environment]::SystemDirectory) 'taskkill.exe'), '/T', '/F', '/PID', [string]$proc.Id)
        $kill = Start-Program (New-StartInfo $argv $null '' (Get-Encoding 'oem'))
        $kill.StandardInput.Close(); $null = $kill.StandardError.ReadToEndAsync(); $null = $kill.StandardOutput.ReadToEnd()
        if (-not $kill.WaitForExit(60000) -or $kill.ExitCode -ne 0) { try { $proc.Kill() } catch { } }  # at least the program itself
    }
    [void]$proc.WaitForExit(30000)
}
function Wait-Program([Diagnostics.Process]$proc, [object[]]$reads, [object[]]$sources, [double]$seconds) {
    # True when the program ended and all its output was read within $seconds; stdin is fed the sources in turn, then closed.
    $deadline = [DateTime]::UtcNow.AddSeconds($seconds); $next = 0; $feed = $null
    while ($true) {
        if ($null -ne $feed -and $feed.IsCompleted) { $feed = $null }
        if ($null -eq $feed -and $next -lt $sources.Count) { $feed = $sources[$next].CopyToAsync($proc.StandardInput.BaseStream); $next++ }
        elseif ($null -eq $feed -and $next -eq $sources.Count) { try { $proc.StandardInput.Close() } catch { }; $next++ }
        if ($proc.HasExited -and -not @($reads | Where-Object { -not $_.IsCompleted }).Count) { return $true }
        if ([DateTime]::UtcNow -ge $deadline) { return $false }
        Start-Sleep -Milliseconds 25
    }
}
function Get-Entry([string]$path) {  # the file or folder itself (a link is not followed), or $null
    if ([IO.Directory]::Exists($path)) { New-Object IO.DirectoryInfo($path) } elseif ([IO.File]::Exists($path)) { New-Object IO.FileInfo($path) } else { $null }
}
function Test-Link([IO.FileSystemInfo]$item) {  # a symbolic link or a junction (not a deduplicated or cloud file)
    if (($item.Attributes -band [IO.FileAttributes]::ReparsePoint) -eq 0) { return $false }
    try { @('SymbolicLink', 'Junction') -contains $item.LinkType } catch { $true }
}
function Resolve-Entry([IO.FileSystemInfo]$item) {  # where a link leads (up to 16 links deep), else its full path
    try {
        $path = $item.FullName
        for ($hop = 0; $hop -lt 16 -and $null -ne $item -and (Test-Link $item); $hop++) {
            $path = [IO.Path]::GetFullPath([IO.Path]::Combine([IO.Path]::GetDirectoryName($path), [string]@($item.Target)[0])); $item = Get-Entry $path
        }
        $path
    } catch { $null }
}
function Assert-Below([string]$root, [string]$path) {
    # The full path when its folder is $root or below and no folder between them is a link; refused otherwise.
    if (-not $root) { throw "$path is not below an empty root" }
    $base = [IO.Path]::GetFullPath($root).TrimEnd('\', '/') + '\'
    $full = [IO.Path]::GetFullPath($path)
    if (-not [IO.Path]::GetFileName($full) -or -not ([IO.Path]::GetDirectoryName($full).TrimEnd('\') + '\').StartsWith($base, [StringComparison]::OrdinalIgnoreCase)) { throw "$path is not below $root" }
    for ($up = [IO.Path]::GetDirectoryName($full); ($up.TrimEnd('\') + '\').Length -gt $base.Length; $up = [IO.Path]::GetDirectoryName($up)) {
        $folder = Get-Entry $up
        if ($null -ne $folder -and ($folder.Attributes -band [IO.FileAttributes]::ReparsePoint) -ne 0) { throw "$path is not below ${root}: $up is a link" }
    }
    $full
}

function Read-Lock([string]$path) {  # the lock's record; an empty one when it is empty or unreadable; $null when there is none
    if (-not [IO.File]::Exists($path)) { return $null }
    try { $held = ConvertFrom-Json -InputObject ([IO.File]::ReadAllText($path)) } catch { $held = $null }
    if ($held -is [Management.Automation.PSCustomObject]) { return $held }
    [pscustomobject]@{}
}
function Test-Breakable($held, [string]$token) {  # the cases of contract.OPERATIONS["lock"] in which a lock is broken
    if (@($held.PSObject.Properties).Count -eq 0) { return $true }
    try {
        $here = [string]$held.host -ceq $env:COMPUTERNAME; $gone = $true
        if ($here) { try { $null = [Diagnostics.Process]::GetProcessById([int]$held.pid); $gone = $false } catch [ArgumentException] { } }
        if ($token -and [string]$held.token -ceq $token) { return $gone }  # once the process that took it has ended
        if ($null -ne $held.expires) { return (Get-EpochSeconds) -gt [double]$held.expires }
        $here -and $gone
    } catch { $false }  # a record of the wrong shape: nobody wrote it as a lock, so it is not broken
}
function Get-EpochSeconds { [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds() / 1000.0 }

function Open-Guard([string]$path) {  # <path>.guard opened exclusively: one process at a time reads, breaks, creates the lock
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ($true) {
        try { return [IO.File]::Open("$path.guard", [IO.FileMode]::OpenOrCreate, [IO.FileAccess]::ReadWrite, [IO.FileShare]::None) }
        catch { if (-not [IO.File]::Exists("$path.guard") -or [DateTime]::UtcNow -ge $deadline) { throw } }; Start-Sleep -Milliseconds 50
    }
}
function Move-Over([string]$tmp, [string]$path) {  # a finished temporary file takes the place of $path
    if ([IO.File]::Exists($path)) { [IO.File]::Replace($tmp, $path, [NullString]::Value) } else { [IO.File]::Move($tmp, $path) }
}
function Get-Inside([string]$dest, [string]$name) {  # a zip entry's path below dest; an entry leaving it is refused
    $parts = @($name.Replace('\', '/').Split('/') | Where-Object { $_ })
    if ($parts.Count -eq 0 -or $parts -contains '..' -or $name.StartsWith('/') -or $name.StartsWith('\') -or $parts[0].Contains(':')) { throw "zip entry '$name' is not a path inside $dest" }
    [IO.Path]::Combine($dest, ($parts -join '\'))
}
function ConvertTo-Argument($value) {  # a JSON object becomes the hashtable cmdlets take; anything else stays
    if ($value -isnot [Management.Automation.PSCustomObject]) { return , $value }
    $table = @{}; foreach ($p in $value.PSObject.Properties) { $table[$p.Name] = ConvertTo-Argument $p.Value }
    $table
}
function ConvertTo-Plain($value) {  # a JSON value: dates in invariant ISO 8601, collections as lists of text, the rest text
    if ($null -eq $value -or $value -is [bool] -or $value -is [decimal]) { return $value }
    if ($value -is [DateTime]) { return $value.ToString('o', [Globalization.CultureInfo]::InvariantCulture) }
    if ($value -is [Enum]) { return $value.ToString() }
    if ($value -is [ValueType] -and $value.GetType().IsPrimitive) { return $value }
    if ($value -is [Collections.IEnumerable] -and $value -isnot [string] -and $value -isnot [Collections.IDictionary]) { return , @($value | ForEach-Object { [string]$_ }) }
    [string]$value
}
function ConvertTo-Row($object) {  # the properties Select-Object kept, as plain values
    $row = [ordered]@{}; foreach ($p in $object.PSObject.Properties) { $row[$p.Name] = ConvertTo-Plain $p.Value }; $row
}

# ---- the operations: each reads its request as $op.<key> and returns hashtable literals of result keys ----

function Invoke-OpRun($op) {
    $encoding = Get-Encoding $op.encoding; $toFile = [string]$op.stdout_file
    $sources = @(); $file = $null; $sink = $null; $proc = $null
    try {
        $sources = @([IO.MemoryStream]::new($encoding.GetBytes([string]$op.stdin_text))) + @(foreach ($f in @($op.stdin_files)) { if ($null -ne $f) { [IO.File]::OpenRead([string]$f) } })
        if ($toFile) {  # a new file, never an existing one, hashed while it streams
            $file = [IO.File]::Open($toFile, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write, [IO.FileShare]::Read)
            $hasher = New-Sha; $sink = [Security.Cryptography.CryptoStream]::new($file, $hasher, [Security.Cryptography.CryptoStreamMode]::Write)
        }
        $proc = Start-Program (New-StartInfo $op.argv $op.env $op.cwd $encoding $op.secret_env $op.env_defaults)
        if ($toFile) { $out = $proc.StandardOutput.BaseStream.CopyToAsync($sink) } else { $out = $proc.StandardOutput.ReadToEndAsync() }; $err = $proc.StandardError.ReadToEndAsync()
        $timedOut = -not (Wait-Program $proc @($out, $err) $sources ([double]$op.timeout))
        if ($timedOut) { Stop-Tree $proc; try { [void][Threading.Tasks.Task]::WaitAll([Threading.Tasks.Task[]]@($out, $err), 30000) } catch { } }; $rc = $proc.ExitCode
        $halt = $null -ne $op.ok_rc -and -not (@($op.ok_rc) -contains $rc)
        if ($timedOut) { $output = '' } elseif ($toFile) { $output = $err.Result } else { $output = $out.Result + $err.Result }
        if (-not $toFile) { return @{ rc = $rc; output = $output; timed_out = $timedOut; halt = $halt } }
        if (-not $out.IsCompleted) { throw "$toFile is still held open after the program was ended" }
        if ($out.IsFaulted) { throw (Get-Message $out.Exception) }; $sink.FlushFinalBlock()
        @{ rc = $rc; output = $output; timed_out = $timedOut; halt = $halt; stdout_sha256 = (ConvertTo-Hex $hasher.Hash); stdout_size = $file.Length }
    } finally {
        foreach ($stream in @($sources + @($sink, $file))) { if ($null -ne $stream) { $stream.Dispose() } }
        if ($null -ne $proc) { $proc.Dispose() }
    }
}
function Invoke-OpPrompted($op) {
    # The table's patterns match, case-insensitively, what it printed since the last answer; the earliest wins.
    $encoding = Get-Encoding $op.encoding; $stage = $op.stage; $prompts = @($op.prompts); $seconds = [double]$op.timeout
    $files = @(); if ($null -ne $stage -and $null -ne $stage.files) { $files = @($stage.files) }
    $name = [IO.Path]::GetFileName([string]@($op.argv)[0])
    $proc = Start-Program (New-StartInfo $op.argv $op.env $op.cwd $encoding); $stdin = $proc.StandardInput.BaseStream
    $streams = @(@{ reader = $proc.StandardOutput; buffer = [char[]]::new(4096) }, @{ reader = $proc.StandardError; buffer = [char[]]::new(4096) })
    foreach ($s in $streams) { $s.task = $s.reader.ReadAsync($s.buffer, 0, 4096) }
    $transcript = ''; $consumed = 0; $due = $null; $answered = @{}; $deadline = [DateTime]::UtcNow.AddSeconds($seconds)
    try {
        while ($true) {
            $remaining = ($deadline - [DateTime]::UtcNow).TotalMilliseconds
            if ($remaining -le 0) { throw "$name did not finish within $seconds seconds" }
            $open = @($streams | Where-Object { $null -ne $_.task })
            if ($open.Count -eq 0) { break }
            $ready = [Threading.Tasks.Task]::WaitAny([Threading.Tasks.Task[]]@($open | ForEach-Object { $_.task }), [int][Math]::Min($remaining, 1000))
            if ($ready -ge 0) {
                $s = $open[$ready]; $count = 0; if (-not $s.task.IsFaulted) { $count = $s.task.Result }
                if ($count -eq 0) { $s.task = $null }
                else { $transcript += [string]::new($s.buffer, 0, $count); $s.task = $s.reader.ReadAsync($s.buffer, 0, 4096) }
            }
            $rest = $transcript.Substring($consumed); $found = $null; $index = -1
            for ($i = 0; $i -lt $prompts.Count; $i++) {
                $m = [regex]::Match($rest, [string]@($prompts[$i])[0], [Text.RegularExpressions.RegexOptions]::IgnoreCase)
                if ($m.Success -and ($null -eq $found -or $m.Index -lt $found.Index)) { $found = $m; $index = $i }
            }
            if ($null -eq $found) { if ($ready -lt 0 -and $proc.HasExited) { break }; continue }
            $entry = @($prompts[$index]); $consumed += $found.Index + $found.Length; $reply = [string]$entry[1]
            if ($reply -ceq 'abort') { throw "it asked a question the driver does not answer: '$($found.Value)'" }
            if ((@($entry | Select-Object -Skip 2) -ccontains 'once') -and $answered.ContainsKey($index)) { throw "it asked again for '$($found.Value)': the answer was refused" }
            $answered[$index] = $true
            if ($reply.StartsWith('=', [StringComparison]::Ordinal)) { $reply = $reply.Substring(1) }  # a literal answer, whatever it spells
            elseif ($reply -ceq 'return') {
                if ($null -ne $due) { [IO.File]::Copy([string]$files[$due], [string]$stage.target, $true); $due = $null }; $reply = ''
            } elseif ($reply -ceq 'level') {
                if (-not $found.Groups[1].Success) { throw "the level prompt '$($found.Value)' holds no level" }
                $level = [int]$found.Groups[1].Value
                if ($level -lt $files.Count) { $due = $level; $reply = 'y' } else { $due = $null; $reply = 'n' }
            } elseif ($reply.StartsWith('secret:', [StringComparison]::Ordinal)) { $reply = [string]$secretValues[$reply.Substring(7)] }
            else { throw "the reply '$reply' is neither =<text> nor return, level, abort or secret:<key>" }
            $bytes = $encoding.GetBytes($reply + "`r`n")
            try { $stdin.Write($bytes, 0, $bytes.Length); $stdin.Flush() } catch { }  # it stopped reading: its exit code says why
        }
        if (-not $proc.WaitForExit([int][Math]::Max(0, ($deadline - [DateTime]::UtcNow).TotalMilliseconds))) { throw "$name did not finish within $seconds seconds" }
        $rc = $proc.ExitCode
    } catch {
        $why = Get-Message $_; Stop-Tree $proc
        throw "$why; $name was stopped. Output: $($transcript.Substring([Math]::Max(0, $transcript.Length - 500)))"
    } finally { $proc.Dispose() }
    $unanswered = @(for ($i = 0; $i -lt $prompts.Count; $i++) {
            if ((@($prompts[$i] | Select-Object -Skip 2) -ccontains 'once') -and -not $answered.ContainsKey($i)) { [string]@($prompts[$i])[0] } })
    @{ rc = $rc; output = $transcript; tail = $transcript.Substring($consumed); unanswered = $unanswered }
}
function Invoke-OpRead($op) {
    $path = [string]$op.path; $encoding = Get-Encoding $op.encoding
    if (-not [IO.File]::Exists($path)) { return @{ exists = $false } }
    $bytes = [IO.File]::ReadAllBytes($path)
    @{ exists = $true; content = $encoding.GetString($bytes); sha256 = (ConvertTo-Hex ((New-Sha).ComputeHash($bytes))) }
}
function Invoke-OpWrite($op) {  # atomic: a temporary file beside it, then a rename over it
    $path = [string]$op.path; $data = (Get-Encoding $op.encoding).GetBytes([string]$op.content); $current = $null
    if ($op.append) { $stream = [IO.File]::Open($path, [IO.FileMode]::Append); try { $stream.Write($data, 0, $data.Length) } finally { $stream.Dispose() }; return @{ changed = $data.Length -gt 0; backup_file = $null } }
    if ([IO.File]::Exists($path)) { $current = [IO.File]::ReadAllBytes($path) }
    $have = ConvertTo-Hex ((New-Sha).ComputeHash([byte[]]::new(0))); if ($null -ne $current) { $have = ConvertTo-Hex ((New-Sha).ComputeHash($current)) }
    if ($null -ne $current -and $have -ceq (ConvertTo-Hex ((New-Sha).ComputeHash($data)))) { return @{ changed = $false; backup_file = $null } }
    $expected = $op.expected_sha256; $backup = $null
    if ($null -ne $expected -and [string]$expected -cne $have -and -not ($null -eq $current -and [string]$expected -ceq '')) { throw "$path changed since it was read; nothing written" }
    if ($op.backup -and $null -ne $current) {
        $backup = '{0}.{1}.bak' -f $path, [DateTime]::Now.ToString('yyyyMMddHHmmss', [Globalization.CultureInfo]::InvariantCulture)
        [IO.File]::Copy($path, $backup, $false)
    }
    $tmp = '{0}.{1}.partial' -f $path, $PID; $made = $false
    try {
        $stream = [IO.File]::Open($tmp, [IO.FileMode]::Create, [IO.FileAccess]::Write, [IO.FileShare]::None); $made = $true
        try { $stream.Write($data, 0, $data.Length); $stream.Flush($true) } finally { $stream.Dispose() }
        Move-Over $tmp $path
    } finally { if ($made -and [IO.File]::Exists($tmp)) { [IO.File]::Delete($tmp) } }
    @{ changed = $true; backup_file = $backup }
}
function Invoke-OpList($op) {  # names matched by -like (* ? [..]) case-insensitively, as Windows names are
    $path = [string]$op.path; $pattern = '*'; if ($op.pattern) { $pattern = [string]$op.pattern }
    if (-not [IO.Directory]::Exists($path)) { return @{ exists = $false; entries = @() } }
    [string[]]$names = @([IO.DirectoryInfo]::new($path).GetFileSystemInfos() | ForEach-Object { $_.Name } | Where-Object { $_ -like $pattern })
    [Array]::Sort($names, [StringComparer]::Ordinal)
    $entries = @(foreach ($n in $names) {
            $item = Get-Entry ([IO.Path]::Combine($path, $n))
            if ($null -ne $item) {
                $size = 0; if ($item -is [IO.FileInfo]) { $size = $item.Length }
                $row = [ordered]@{ name = $n; dir = $item -is [IO.DirectoryInfo]; link = (Test-Link $item); size = $size }
                if ($op.read -and $item -is [IO.FileInfo]) { $got = Invoke-OpRead @{ path = $item.FullName; encoding = $op.read }; $row.content = $got.content; $row.sha256 = $got.sha256 }
                $row
            } })
    @{ exists = $true; entries = $entries }
}
function Invoke-OpStat($op) {  # dir: a folder or a link to one; resolved: where the host says it leads
    $item = Get-Entry ([string]$op.path); if ($null -eq $item) { return @{ exists = $false; dir = $false; link = $false } }
    $size = 0; if ($item -is [IO.FileInfo]) { $size = $item.Length }
    @{ exists = $true; dir = $item -is [IO.DirectoryInfo]; size = $size; link = (Test-Link $item); resolved = (Resolve-Entry $item) }
}
function Invoke-OpHash($op) {
    $path = [string]$op.path; if (-not [IO.File]::Exists($path)) { return @{ exists = $false } }
    $stream = [IO.File]::Open($path, [IO.FileMode]::Open, [IO.FileAccess]::Read, [IO.FileShare]::ReadWrite)
    try { $digest = ConvertTo-Hex ((New-Sha).ComputeHash($stream)); $size = $stream.Length } finally { $stream.Dispose() }
    @{ exists = $true; sha256 = $digest; size = $size }
}
function Invoke-OpMkdir($op) {
    if ([IO.Directory]::Exists([string]$op.path)) { @{ created = $false } } else { [void][IO.Directory]::CreateDirectory([string]$op.path); @{ created = $true } }
}
function Invoke-OpRemove($op) {  # a file, or a link as the link itself, never what it leads to; never a folder
    $path = Assert-Below ([string]$op.root) ([string]$op.path)
    $item = Get-Entry $path
    if ($null -eq $item) { return @{ removed = $false } }
    if ($item -is [IO.DirectoryInfo]) {
        if (($item.Attributes -band [IO.FileAttributes]::ReparsePoint) -eq 0) { throw "$path is a folder; only files are removed" }
        [IO.Directory]::Delete($path, $false)  # not recursive: removes the junction or link, not its target
    } else { [IO.File]::Delete($path) }
    @{ removed = $true }
}
function Invoke-OpMove($op) {
    $src = Assert-Below ([string]$op.root) ([string]$op.src)
    $dest = Assert-Below ([string]$op.root) ([string]$op.dest)
    $item = Get-Entry $src
    if ($null -eq $item) { return @{ moved = $false } }
    if ($item -is [IO.DirectoryInfo]) { [IO.Directory]::Move($src, $dest) } else { Move-Over $src $dest }
    @{ moved = $true }
}
function Invoke-OpLock($op) {  # under the guard: a lock that may be broken is, then the new one is created atomically
    $path = [string]$op.path; $record = $op.record; if ($record -isnot [Management.Automation.PSCustomObject]) { throw 'the lock record is not an object' }
    $stamp = @{ host = $env:COMPUTERNAME; pid = $PID; started = [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ss.fffZ', [Globalization.CultureInfo]::InvariantCulture) }
    if ($null -ne $op.ttl) { $stamp.expires = (Get-EpochSeconds) + [int]$op.ttl }
    foreach ($key in $stamp.Keys) { $record | Add-Member -NotePropertyName $key -NotePropertyValue $stamp[$key] -Force }
    $bytes = [Text.UTF8Encoding]::new($false).GetBytes((ConvertTo-Json -InputObject $record -Depth 10 -Compress))
    $guard = Open-Guard $path
    try {
        $held = Read-Lock $path
        if ($op.renew -and ($null -eq $held -or [string]$held.token -cne [string]$op.break_token)) { return @{ acquired = $false; holder = $held; halt = $true } }
        if ($null -ne $held -and (Test-Breakable $held ([string]$op.break_token))) { [IO.File]::Delete($path) }
        try { $stream = [IO.File]::Open($path, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write, [IO.FileShare]::None) }
        catch { if (-not [IO.File]::Exists($path)) { throw }; return @{ acquired = $false; holder = (Read-Lock $path); halt = $true } }
        try { $stream.Write($bytes, 0, $bytes.Length); $stream.Flush($true) } finally { $stream.Dispose() }
    } finally { $guard.Dispose() }
    @{ acquired = $true }
}
function Invoke-OpUnlock($op) {  # removed only while it carries the token
    $path = [string]$op.path; $guard = Open-Guard $path
    try {
        $held = Read-Lock $path
        if ($null -eq $held -or $null -eq $held.token -or [string]$held.token -cne [string]$op.token) { return @{ released = $false } }
        [IO.File]::Delete($path)
    } finally { $guard.Dispose() }
    @{ released = $true }
}
function Invoke-OpCopy($op) {
    $src = [string]$op.src; $dest = [string]$op.dest; if (-not [IO.File]::Exists($src)) { return @{ copied = $false } }
    [void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName([IO.Path]::GetFullPath($dest)))
    $tmp = '{0}.{1}.partial' -f $dest, $PID; [IO.File]::Copy($src, $tmp, $true); Move-Over $tmp $dest
    @{ copied = $true }
}
function Invoke-OpUnzip($op) {  # System.IO.Compression (.NET 4.5): each file entry hashed, the wanted ones written below dest
    $archive = [string]$op.archive
    if (-not [IO.File]::Exists($archive)) { return @{ exists = $false; files = @{} } }
    [void][Reflection.Assembly]::Load('System.IO.Compression, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089')
    $file = [IO.File]::OpenRead($archive)
    try { $zip = [IO.Compression.ZipArchive]::new($file) } catch { $file.Dispose(); throw "$archive is not a zip file: $(Get-Message $_)" }
    try {
        $entries = @($zip.Entries | Where-Object { -not ($_.FullName.EndsWith('/') -or $_.FullName.EndsWith('\')) })
        $wanted = $null; if ($null -ne $op.entries) { $wanted = [string[]]@($op.entries) }
        foreach ($name in @($wanted)) { if ($null -ne $name -and -not (@($entries | ForEach-Object { $_.FullName }) -ccontains $name)) { throw "$archive holds no entry '$name'" } }
        $files = [ordered]@{}
        foreach ($entry in $entries) {
            $in = $entry.Open(); try { $files[$entry.FullName] = ConvertTo-Hex ((New-Sha).ComputeHash($in)) } finally { $in.Dispose() }
            if (-not $op.dest -or ($null -ne $wanted -and -not ($wanted -ccontains $entry.FullName))) { continue }
            $target = Assert-Below ([string]$op.dest) (Get-Inside ([string]$op.dest) $entry.FullName); $tmp = '{0}.{1}.partial' -f $target, $PID
            [void][IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($target))
            $in = $entry.Open(); $out = [IO.File]::Create($tmp)
            try { $in.CopyTo($out) } finally { $out.Dispose(); $in.Dispose() }; Move-Over $tmp $target
        }
    } finally { $zip.Dispose() }
    @{ exists = $true; files = $files }
}
function Invoke-OpEnv($op) {
    $scopes = @{ process = [EnvironmentVariableTarget]::Process; machine = [EnvironmentVariableTarget]::Machine }; $scope = 'process'
    if ($op.scope) { $scope = [string]$op.scope }
    if (-not ($scopes.Keys -ccontains $scope)) { throw "unknown scope '$scope'" }
    $values = [ordered]@{}; foreach ($n in @($op.names)) { $values[[string]$n] = [Environment]::GetEnvironmentVariable([string]$n, $scopes[$scope]) }
    @{ values = $values; computer_name = $env:COMPUTERNAME }
}
function Invoke-OpCmdlet($op) {  # a cmdlet or a module's function by name, never a script, a program or code
    if ($op.module) { Import-Module -Name ([string]$op.module) }
    if ($op.snapin -and -not (Get-PSSnapin -Name ([string]$op.snapin) -ErrorAction SilentlyContinue)) { Add-PSSnapin -Name ([string]$op.snapin) }
    $name = [string]$op.name
    if ($name -cnotmatch '^[A-Za-z]+-[A-Za-z0-9]+$') { throw "'$name' is not a cmdlet name" }
    $command = Get-Command -Name $name -CommandType Cmdlet, Function
    if ($command.CommandType -eq 'Function' -and -not $command.Module) { throw "$name is not a cmdlet or a module's function" }
    $params = @{}; if ($null -ne $op.parameters) { foreach ($p in $op.parameters.PSObject.Properties) { $params[$p.Name] = ConvertTo-Argument $p.Value } }
    $select = @('*'); if ($null -ne $op.select) { $select = [string[]]@($op.select) }
    $objects = @(& $command @params | Select-Object -Property $select | ForEach-Object { ConvertTo-Row $_ })
    @{ objects = $objects }
}

$operations = @{ run = 'Invoke-OpRun'; prompted = 'Invoke-OpPrompted'; read = 'Invoke-OpRead'; write = 'Invoke-OpWrite';
    list = 'Invoke-OpList'; stat = 'Invoke-OpStat'; hash = 'Invoke-OpHash'; mkdir = 'Invoke-OpMkdir'; remove = 'Invoke-OpRemove';
    move = 'Invoke-OpMove'; lock = 'Invoke-OpLock'; unlock = 'Invoke-OpUnlock'; copy = 'Invoke-OpCopy'; unzip = 'Invoke-OpUnzip';
    env = 'Invoke-OpEnv'; cmdlet = 'Invoke-OpCmdlet' }

function Invoke-One($request) {  # one operation's result: its keys with op and ok, or op, ok = false and the error
    $name = $request.op
    try {
        if (-not ($operations.Keys -ccontains $name)) { throw "operation '$name' is not offered on this host" }
        $done = & $operations[$name] $request
        if ($done -isnot [hashtable]) { throw "operation $name gave no single result" }
        $done.op = $name; $done.ok = $true; $done
    } catch { @{ op = $name; ok = $false; error = (Get-Message $_) } }
}

# The batch: the operations in order up to the first that fails, then every cleanup operation.
$secretValues = @{}
try {
    if ($null -ne $Secrets) {
        $bstr = [Runtime.InteropServices.Marshal]::SecureStringToBSTR($Secrets)
        try { $plain = [Runtime.InteropServices.Marshal]::PtrToStringBSTR($bstr) } finally { [Runtime.InteropServices.Marshal]::ZeroFreeBSTR($bstr) }
        foreach ($p in (ConvertFrom-Json -InputObject $plain).PSObject.Properties) { $secretValues[$p.Name] = [string]$p.Value }
    }
    if ($BatchFile) { $Batch = [IO.File]::ReadAllText($BatchFile, [Text.Encoding]::UTF8) }
    $document = ConvertFrom-Json -InputObject $Batch; $stamp = $null
    if ($document.stamp) {  # each run of a saved batch names its files by the time it started
        $stamp = [DateTime]::UtcNow.ToString('yyyyMMddTHHmmssfff', [Globalization.CultureInfo]::InvariantCulture)
        $document = ConvertFrom-Json -InputObject $Batch.Replace([string]$document.stamp, $stamp)
    }
    $results = New-Object Collections.ArrayList; $cleanup = New-Object Collections.ArrayList; $failedAt = $null
    foreach ($item in $document.ops) {
        $done = Invoke-One $item; [void]$results.Add($done)
        if (-not $done.ok -or $done.halt) { $failedAt = $results.Count - 1; break }
    }
    $result = @{ results = $results.ToArray(); cleanup = @(); failed_at = $failedAt; stamp = $stamp }; $failed = $null -ne $failedAt
    if ($document.record) {  # a scheduled run's record, written while its lock still stands, before the cleanup
        $record = [string]$document.record; try { [IO.File]::WriteAllText("$record.partial", (ConvertTo-Json -InputObject $result -Depth 10 -Compress), [Text.UTF8Encoding]::new($false)); Move-Over "$record.partial" $record }
        catch { $failed = $true }
    }
    foreach ($item in $document.cleanup) { [void]$cleanup.Add((Invoke-One $item)) }
    $result.cleanup = $cleanup.ToArray()
} catch {  # an unforeseen fault still reaches the controller as one readable line
    $result = @{ results = @(); cleanup = @(); failed_at = 0; error = "$($_.Exception.GetType().Name): $(Get-Message $_)" }; $failed = $true
}
if ($BatchFile -and $failed) { ConvertTo-Json -InputObject $result -Depth 10 -Compress; exit 1 }  # Task Scheduler sees the failure
ConvertTo-Json -InputObject $result -Depth 10 -Compress
