# oscc.admin remote procedures v1
[CmdletBinding(SupportsShouldProcess)]
param([Parameter(Mandatory)][string]$Procedure, [Parameter(Mandatory)][string]$Json, [SecureString]$Secrets)
$ErrorActionPreference = 'Stop'
if ($null -eq $Ansible) { $Ansible = [pscustomobject]@{ Changed = $false } }  # run by the scheduled task, not Ansible
$Ansible.Changed = $false
if ($Json.StartsWith('@')) { $Json = Get-Content -Raw -LiteralPath $Json.Substring(1) }  # parameters kept in a file
$p = ConvertFrom-Json -InputObject $Json
if ($Secrets) {  # win_powershell sensitive_parameters: never in the script text or the logs
    $plain = [Runtime.InteropServices.Marshal]::PtrToStringBSTR([Runtime.InteropServices.Marshal]::SecureStringToBSTR($Secrets))
    (ConvertFrom-Json -InputObject $plain).PSObject.Properties | ForEach-Object { $p | Add-Member -NotePropertyName $_.Name -NotePropertyValue $_.Value -Force }
}

class Problem : System.Exception {
    [hashtable]$Extra
    Problem([string]$msg, [hashtable]$extra) : base($msg) { $this.Extra = $extra }
}
function Fail([string]$msg, [hashtable]$extra = @{}) { throw [Problem]::new($msg, $extra) }
function UtcNow { [DateTime]::UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'") }

function Get-InformixEnv {
    $dir = if ($p.informixdir) { $p.informixdir } else { $env:INFORMIXDIR }
    $server = if ($p.informixserver) { $p.informixserver } else { $env:INFORMIXSERVER }
    if (-not $dir) { Fail 'INFORMIXDIR is not set on the host; give the informixdir option' }
    if (-not $server) { Fail 'INFORMIXSERVER is not set on the host; give the informixserver option' }
    $etc = Join-Path $dir 'etc'
    $onconfig = if ($p.onconfig) { $p.onconfig } elseif ($env:ONCONFIG) { $env:ONCONFIG } else { Find-Onconfig $etc $server }
    $path = if ([IO.Path]::IsPathRooted($onconfig)) { $onconfig } else { Join-Path $etc $onconfig }
    if (-not (Test-Path -LiteralPath $path -PathType Leaf)) { Fail "ONCONFIG file $path does not exist" }
    $vars = @{ INFORMIXDIR = $dir; INFORMIXSERVER = $server; ONCONFIG = $onconfig;
               PATH = (Join-Path $dir 'bin') + ';' + $env:PATH }
    # One lock per Informix server, on the server itself, whatever destination a run uses.
    @{ vars = $vars; onconfig = $path; lock = (Join-Path $etc ".oscc-$server.lock") }
}

function Find-Onconfig([string]$etc, [string]$server) {
    foreach ($name in @("ONCONFIG.$server", "onconfig.$server")) {
        if (Test-Path -LiteralPath (Join-Path $etc $name) -PathType Leaf) { return $name }
    }
    $found = @(Get-ChildItem -LiteralPath $etc -File | Where-Object {
        $_.Name -like 'onconfig*' -and $_.Name -notmatch '(\.std|\.bak|\.partial|~)$' -and
        (Select-String -LiteralPath $_.FullName -Pattern ('^\s*DBSERVERNAME\s+' + [regex]::Escape($server) + '(\s|$)') -Quiet)
    })
    if ($found.Count -ne 1) {
        $what = if ($found.Count -eq 0) { 'none' } else { 'several' }
        Fail "cannot discover the ONCONFIG of $server in $etc ($what name DBSERVERNAME $server); give the onconfig option"
    }
    $found[0].FullName
}

# One command line for cmd.exe: arguments with blanks or quotes are quoted.
function Join-CommandLine([string[]]$argv) {
    ($argv | ForEach-Object { if ($_ -match '[\s"]') { '"' + $_ + '"' } else { $_ } }) -join ' '
}

# Runs a native program through cmd.exe with the Informix environment; stdin and stdout may be files.
function Invoke-Native([hashtable]$ifx, [string[]]$argv, [string]$stdinText = $null, [string]$stdinFile = $null,
                       [string]$stdoutFile = $null, [int]$timeout = 3600, [hashtable]$extraEnv = @{}) {
    $quoted = Join-CommandLine $argv
    if ($stdinFile) { $quoted += ' < "' + $stdinFile + '"' }
    if ($stdoutFile) { $quoted += ' > "' + $stdoutFile + '"' } else { $quoted += ' 2>&1' }
    $info = New-Object System.Diagnostics.ProcessStartInfo
    $info.FileName = "$env:SystemRoot\System32\cmd.exe"
    $info.Arguments = '/d /s /c "' + $quoted + '"'
    $info.UseShellExecute = $false
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    foreach ($k in $ifx.vars.Keys) { $info.EnvironmentVariables[$k] = $ifx.vars[$k] }
    foreach ($k in $extraEnv.Keys) { $info.EnvironmentVariables[$k] = $extraEnv[$k] }
    $proc = [System.Diagnostics.Process]::Start($info)
    $out = $proc.StandardOutput.ReadToEndAsync()
    $err = $proc.StandardError.ReadToEndAsync()
    if ($stdinText) { $proc.StandardInput.Write($stdinText) }
    $proc.StandardInput.Close()
    if (-not $proc.WaitForExit($timeout * 1000)) {
        $proc.Kill()
        Fail "$($argv -join ' ') did not finish within $timeout seconds"
    }
    @{ rc = $proc.ExitCode; text = $out.Result + $err.Result }
}

function Test-Once($entry) { @($entry).Count -gt 2 -and $entry[2] -eq 'once' }  # a prompt answered at most once

# Runs a program interactively, answering each prompt by the table $prompts (matched, never counted);
# the same rules as drive_prompts in _remote_posix.py. A Return is preceded by staging the archive of
# the level the previous answer asked for; a "once" prompt asked again stops the program.
function Invoke-Prompted([hashtable]$vars, [string[]]$argv, $prompts, [int]$timeout, [string[]]$files = @(),
                         [hashtable]$secrets = @{}, [string]$cwd = $null) {
    $name = [IO.Path]::GetFileNameWithoutExtension($argv[0])
    $info = New-Object System.Diagnostics.ProcessStartInfo
    $info.FileName = "$env:SystemRoot\System32\cmd.exe"
    $info.Arguments = '/d /s /c "' + (Join-CommandLine $argv) + ' 2>&1"'
    $info.UseShellExecute = $false
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    if ($cwd) { $info.WorkingDirectory = $cwd }
    foreach ($k in $vars.Keys) { $info.EnvironmentVariables[$k] = $vars[$k] }
    $proc = [System.Diagnostics.Process]::Start($info)
    $buffer = New-Object char[] 4096
    $transcript = ''; $consumed = 0; $due = $null; $answered = @{}
    $deadline = (Get-Date).AddSeconds($timeout)
    $pending = $proc.StandardOutput.ReadAsync($buffer, 0, $buffer.Length)
    try {
        while ($true) {
            if ((Get-Date) -gt $deadline) { Fail "$name did not finish within $timeout seconds" @{ output = $transcript; touched = $true } }
            $ready = $pending.Wait(500)
            if ($ready) {
                if ($pending.Result -eq 0) { break }
                $transcript += New-Object string($buffer, 0, $pending.Result)
                $pending = $proc.StandardOutput.ReadAsync($buffer, 0, $buffer.Length)
            }
            $rest = $transcript.Substring($consumed)
            $found = $null; $entry = $null; $index = -1
            for ($i = 0; $i -lt @($prompts).Count; $i++) {
                $m = [regex]::Match($rest, $prompts[$i][0], [Text.RegularExpressions.RegexOptions]::IgnoreCase)
                if ($m.Success -and ($null -eq $found -or $m.Index -lt $found.Index)) { $found = $m; $entry = $prompts[$i]; $index = $i }
            }
            if ($null -eq $found) { continue }
            $consumed += $found.Index + $found.Length
            $action = [string]$entry[1]
            if ($action -eq 'abort') {
                Fail "$name asked a question the driver does not answer: '$($found.Value)'; $name was stopped" @{
                    output = $transcript; touched = $true }
            }
            if ((Test-Once $entry) -and $answered.ContainsKey($index)) {
                Fail "$name asked again for '$($found.Value)': it refused the answer; $name was stopped" @{
                    output = $transcript; touched = $true }
            }
            $answered[$index] = $true
            if ($action -eq 'return') {
                if ($null -ne $due) { Copy-Item -LiteralPath $files[$due] -Destination $p.tapedev -Force; $due = $null }
                $reply = ''
            } elseif ($action -eq 'level') {
                $level = [int]$found.Groups[1].Value
                if ($level -lt $files.Count) { $due = $level; $reply = 'y' } else { $reply = 'n' }
            } elseif ($action.StartsWith('secret:')) {
                $reply = [string]$secrets[$action.Substring(7)]
            } else { $reply = $action }
            try { $proc.StandardInput.Write($reply + "`r`n"); $proc.StandardInput.Flush() } catch [IO.IOException] { }
        }
    } finally {
        if (-not $proc.HasExited) { $proc.Kill() }
        $proc.WaitForExit()
    }
    $unanswered = @(for ($i = 0; $i -lt @($prompts).Count; $i++) {
        if ((Test-Once $prompts[$i]) -and -not $answered.ContainsKey($i)) { $prompts[$i][0] } })
    @{ rc = $proc.ExitCode; text = $transcript; tail = $transcript.Substring($consumed); unanswered = $unanswered }
}

# Programs run in turn with their prompts answered: the same rules as run_prompted in _remote_posix.py.
function Invoke-RunPrompted {
    $record = $p.record
    if ($record -and -not $p.force -and (Test-Path -LiteralPath $record.path -PathType Leaf)) {
        if ([IO.File]::ReadAllText($record.path) -ceq $record.content) { return @{ changed = $false; ran = $false } }
    }
    if ($p.check) { return @{ changed = $true; ran = $false } }
    $secrets = @{}
    foreach ($entry in @($p.prompts)) {
        if ([string]$entry[1] -like 'secret:*') { $key = ([string]$entry[1]).Substring(7); $secrets[$key] = [string]$p.$key }
    }
    $mask = { param($text) foreach ($v in $secrets.Values) { if ($v) { $text = $text.Replace($v, '********') } }; $text }
    $outputs = @()
    foreach ($argv in @($p.runs)) {
        try {
            $run = Invoke-Prompted @{} @($argv) @($p.prompts) $p.timeout -secrets $secrets -cwd $p.cwd
        } catch [Problem] {
            $_.Exception.Extra.output = & $mask $_.Exception.Extra.output
            $_.Exception.Extra.outputs = $outputs
            throw
        }
        $text = & $mask $run.text
        if ($run.rc -ne 0 -or $run.unanswered) {
            # What it printed after the last prompt answered says why it ended.
            $tail = (& $mask $run.tail).TrimStart(' ', ':', "`t")
            $last = @($tail -split "`r?`n" | Where-Object { $_.Trim() }) | Select-Object -Last 1
            if (-not $last) { $last = 'no output' }
            $why = if ($run.rc -ne 0) { "returned $($run.rc)" } else { "ended without asking for '$($run.unanswered[0])'" }
            $shown = @([IO.Path]::GetFileName($argv[0])) + @($argv | Select-Object -Skip 1)
            Fail "$($shown -join ' ') ${why}: $($last.Trim())" @{ output = $text; outputs = $outputs; rc = $run.rc }
        }
        $outputs += $text
    }
    if ($record) { Write-Atomic $record.path ([Text.Encoding]::UTF8.GetBytes($record.content)) }
    $Ansible.Changed = $true
    $result = @{ changed = $true; ran = $true; rc = 0; output = ($outputs -join ''); outputs = $outputs }
    if ($p.read_after) { $result.read_after = (Read-TextFile $p.read_after).content }
    $result
}

function Get-ServerState([hashtable]$ifx) {
    $dash = Invoke-Native $ifx @('onstat', '-')
    $arc = if ($dash.rc -ne 255) { (Invoke-Native $ifx @('onstat', '-g', 'arc')).text } else { '' }
    @{ onstat_rc = $dash.rc; onstat = $dash.text; onstat_arc = $arc }
}

# The server's newest archive of a level in onstat -g arc, as @{ date; log }, or $null.
# As _informix.checkpoint_order: log unique ID, then log position, then the date.
function Get-CheckpointOrder($c) {
    $position = if ($c.position) { [Convert]::ToInt64(([string]$c.position).Substring(2), 16) } else { -1 }
    $d = [string]$c.date
    '{0:D12} {1:D16} {2}' -f [long]$c.log, $position, ($d.Substring(6, 4) + $d.Substring(0, 5) + $d.Substring(10))
}

# The server's newest archive of a level in onstat -g arc, as @{ date; log; position }, or $null.
function Get-LastCheckpoint([string]$arcText, [int]$level) {
    $names = @($p.arc_row_groups)  # the host's patterns have numbered groups; their names come beside them
    $rows = @($arcText -split "`r?`n" | ForEach-Object { [regex]::Match($_.Trim(), $p.arc_row_pattern) } |
              Where-Object Success | ForEach-Object {
                  $row = @{}
                  for ($i = 0; $i -lt $names.Count; $i++) { $row[$names[$i]] = $_.Groups[$i + 1].Value }
                  $row } | Where-Object { [int]$_.level -eq $level } | ForEach-Object {
                  @{ date = $_.date; log = [int]$_.log; position = $_.position } })
    $rows | Sort-Object { Get-CheckpointOrder $_ } | Select-Object -Last 1
}

function Test-PlainName($name) { $name -is [string] -and $name -and $name -notmatch '[/\\:\x00-\x1f]|\.\.' }

# DisplayName and DisplayVersion of the installed OSCC server software (Windows uninstall entries).
function Get-OsccVersion {
    $keys = @('HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*',
              'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*')
    $found = @(Get-ItemProperty -Path $keys -ErrorAction SilentlyContinue |
               Where-Object { $_.DisplayName -like $p.oscc_product_pattern } |
               ForEach-Object { '{0} {1}' -f $_.DisplayName, $_.DisplayVersion } | Sort-Object -Unique)
    if ($found.Count) { $found -join '; ' } else { $null }
}

function Get-Sha256([string]$path) { (Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash.ToLowerInvariant() }

function Write-Atomic([string]$path, [byte[]]$bytes) {
    $tmp = "$path.partial"
    [IO.File]::WriteAllBytes($tmp, $bytes)
    Move-Item -LiteralPath $tmp -Destination $path -Force
}

function Read-Lock([string]$path) {
    if (-not (Test-Path -LiteralPath $path)) { return $null }
    try { $lock = Get-Content -LiteralPath $path -Raw | ConvertFrom-Json } catch { return @{ path = $path; stale = $false; unreadable = $true } }
    # A backup's process is gone (the run was killed), or a restore's lease has run out.
    $gone = $lock.pid -and $lock.host -eq $env:COMPUTERNAME -and $null -eq (Get-Process -Id ([int]$lock.pid) -ErrorAction SilentlyContinue)
    $expired = $null -ne $lock.expires -and [DateTimeOffset]::UtcNow.ToUnixTimeSeconds() -gt [double]$lock.expires
    @{ path = $path; operation = $lock.operation; pid = $lock.pid; host = $lock.host; started = $lock.started; token = $lock.token;
       controller = $lock.controller; controller_pid = $lock.controller_pid; expires = $lock.expires; stale = [bool]($gone -or $expired) }
}

function Get-HolderText($lock) {
    if ($lock.controller) { "from controller $($lock.controller), pid $($lock.controller_pid), since $($lock.started)" }
    else { "pid $($lock.pid) on $($lock.host), since $($lock.started)" }
}

# Reading, breaking and creating the lock happen while this guard file is open exclusively, one process
# at a time: two runs that both find a stale lock never both take it, and a lock is never read half written.
function Open-LockGuard([string]$path) {
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($true) {
        try { return [IO.File]::Open("$path.guard", [IO.FileMode]::OpenOrCreate, [IO.FileAccess]::ReadWrite, [IO.FileShare]::None) }
        catch [IO.IOException] {
            if ([DateTime]::UtcNow -gt $deadline) { Fail "the lock guard $path.guard stayed in use for 30 seconds" }
            Start-Sleep -Milliseconds 50
        }
    }
}

function Lock-Server([string]$path, [hashtable]$record, $breakToken = $null) {
    $guard = Open-LockGuard $path
    try {
        $lock = Read-Lock $path
        # Under the guard an unreadable lock was left by a run that died while writing it.
        $unreadable = $lock -and ($lock.unreadable -or -not $lock.started)
        if ($lock -and ($lock.stale -or $unreadable -or ($breakToken -and $lock.token -eq $breakToken))) {
            Remove-Item -LiteralPath $path -Force
        }
        try {
            $stream = [IO.File]::Open($path, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write, [IO.FileShare]::None)
        } catch [IO.IOException] {
            $holder = Read-Lock $path
            $what = if ($holder.operation) { $holder.operation } else { 'backup' }
            Fail "another $what is running on this server ($(Get-HolderText $holder)); lock $path" @{ lock = $holder }
        }
        $record.host = $env:COMPUTERNAME; $record.started = UtcNow
        $bytes = [Text.Encoding]::UTF8.GetBytes(($record | ConvertTo-Json -Compress))
        $stream.Write($bytes, 0, $bytes.Length)
        $stream.Close()
    } finally { $guard.Dispose() }
}

function Unlock-Server([string]$path, [string]$token) {
    $guard = Open-LockGuard $path
    try { if ((Read-Lock $path).token -eq $token) { Remove-Item -LiteralPath $path -Force } } finally { $guard.Dispose() }
}

function Assert-LockHeld([string]$path, [string]$token) {
    $held = Read-Lock $path
    if (-not $held -or $held.token -ne $token) {
        Fail "the server's lock $path is not held by this run any more" @{ lock = $held; touched = $false }
    }
}

# The lock a restore holds across its round trips: acquired with a lease of ttl seconds, released by its token.
function Invoke-Lock {
    $path = (Get-InformixEnv).lock
    if ($p.action -eq 'release') {
        Unlock-Server $path $p.token
    } else {
        $expires = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds() + [int]$p.ttl
        Lock-Server $path @{ operation = $p.operation; token = $p.token; controller = $p.controller;
                             controller_pid = $p.controller_pid; expires = $expires } $p.break_token
    }
    $Ansible.Changed = $true
    @{ changed = $true; path = $path }
}

# Every *.json in the destination as it is; the controller decides whose it is and whether to trust it.
function Get-Manifests([string]$destination) {
    $reparse = [IO.FileAttributes]::ReparsePoint
    ,@(Get-ChildItem -LiteralPath $destination -Filter '*.json' -File | Sort-Object Name | ForEach-Object {
        $file = $_
        try { $m = Get-Content -LiteralPath $file.FullName -Raw | ConvertFrom-Json } catch {
            return @{ manifest = $file.FullName; unreadable = "$($_.Exception.Message)" } }
        if ($m -isnot [pscustomobject]) { return @{ manifest = $file.FullName; unreadable = 'not a JSON object' } }
        $m | Add-Member -NotePropertyName manifest -NotePropertyValue $file.FullName -Force
        $m | Add-Member -NotePropertyName manifest_link -NotePropertyValue ([bool]($file.Attributes -band $reparse)) -Force
        if ($m.archive -is [string] -and $m.archive) {
            $item = Get-Item -LiteralPath (Join-Path $destination $m.archive) -Force -ErrorAction SilentlyContinue
            $m | Add-Member -NotePropertyName archive_link -NotePropertyValue ([bool]($item -and ($item.Attributes -band $reparse))) -Force
        }
        $m
    })
}

function Invoke-Probe {
    $ifx = Get-InformixEnv
    $raw = [IO.File]::ReadAllBytes($ifx.onconfig)
    $result = @{
        onconfig_path = $ifx.onconfig
        onconfig_text = [Text.Encoding]::GetEncoding(28591).GetString($raw)  # latin-1: every byte round-trips
        onconfig_sha256 = Get-Sha256 $ifx.onconfig
        environment = @{ INFORMIXDIR = $ifx.vars.INFORMIXDIR; INFORMIXSERVER = $ifx.vars.INFORMIXSERVER; ONCONFIG = $ifx.vars.ONCONFIG }
    }
    $result += Get-ServerState $ifx
    $result.computer_name = $env:COMPUTERNAME
    $result.oscc_version = Get-OsccVersion
    $result.lock = Read-Lock $ifx.lock
    if ($p.destination) {
        $result.destination_exists = Test-Path -LiteralPath $p.destination -PathType Container
        $result.destination_is_file = Test-Path -LiteralPath $p.destination -PathType Leaf
        if ($result.onstat_rc -ne 255) { $result.onstat_d = (Invoke-Native $ifx @('onstat', '-d')).text }
        if ($result.destination_exists) {
            $result.manifests = Get-Manifests $p.destination
            $drive = [IO.Path]::GetPathRoot($p.destination)
            # IO.DriveInfo takes drive letters only and throws for a share (\\server\share): no figure then.
            $result.free_bytes = if ($drive -match '^[A-Za-z]:\\?$') { (New-Object IO.DriveInfo($drive)).AvailableFreeSpace } else { $null }
        }
    }
    $result
}

function Invoke-OntapeBackup([hashtable]$ifx, [string]$partial) {
    $level = [string]$p.level
    switch ($p.method) {
        'stdio' { return Invoke-Native $ifx @('ontape', '-s', '-L', $level, '-t', 'STDIO') -stdoutFile $partial -timeout $p.timeout }
        'directory' {
            $run = Invoke-Native $ifx @('ontape', '-s', '-L', $level, '-d') -timeout $p.timeout -extraEnv @{ IFX_ONTAPE_FILE_PREFIX = $p.name }
            $produced = Join-Path $p.tapedev ("{0}_L{1}" -f $p.name, $level)
            if (Test-Path -LiteralPath $produced) { Move-Item -LiteralPath $produced -Destination $partial }
            return $run
        }
        default {
            # The manual's single TAPEDEV file is overwritten by every run: move the archive away at once.
            $run = Invoke-Native $ifx @('ontape', '-s', '-L', $level) -stdinText "`r`n" -timeout $p.timeout
            if ((Get-Item -LiteralPath $p.tapedev).Length -gt 0) {
                Move-Item -LiteralPath $p.tapedev -Destination $partial
                New-Item -ItemType File -Path $p.tapedev | Out-Null
            }
            return $run
        }
    }
}

function Get-OnbarMeaning([int]$rc) {
    $meaning = $p.onbar_codes.PSObject.Properties[[string]$rc]
    if ($meaning) { $meaning.Value } else { 'see BAR_ACT_LOG' }
}

# ontape into <name>.arc.partial, judged by its words.
function Invoke-OntapeToFile([hashtable]$ifx, [string]$partial) {
    try { $run = Invoke-OntapeBackup $ifx $partial } catch [Problem] { throw } catch { $run = @{ rc = -1; text = "error: $_" } }
    $failure = $null
    if ($run.text -match "(?i)$($p.failure_pattern)") { $failure = 'ontape reported a failure' }
    elseif (-not $run.text.Contains($p.success_text)) { $failure = "ontape ended without '$($p.success_text)' (interrupted or killed)" }
    elseif (-not (Test-Path -LiteralPath $partial) -or (Get-Item -LiteralPath $partial).Length -eq 0) { $failure = 'ontape wrote no archive data' }
    if ($failure) {
        Remove-Item -LiteralPath $partial -Force -ErrorAction SilentlyContinue
        Fail "backup failed: $failure; nothing was kept and no older backup was touched" @{ rc = $run.rc; output = $run.text }
    }
    $run
}

# onbar into the storage manager; with verify, onbar -v checks that it can be restored.
function Invoke-OnbarBackup([hashtable]$ifx) {
    $run = Invoke-Native $ifx @('onbar', '-b', '-L', [string]$p.level) -timeout $p.timeout
    if ($run.rc -eq 0 -and $p.verify) {
        $verified = Invoke-Native $ifx @('onbar', '-v') -timeout $p.timeout
        $run = @{ rc = $verified.rc; text = $run.text + $verified.text }
    }
    if ($run.rc -ne 0) {
        Fail "backup failed: onbar returned $($run.rc) ($(Get-OnbarMeaning $run.rc)); no older backup was touched" @{ rc = $run.rc; output = $run.text }
    }
    $run
}

function Invoke-Backup {
    $ifx = Get-InformixEnv
    $destination = $p.destination
    if (Test-Path -LiteralPath $destination -PathType Leaf) { Fail "destination $destination is a file, not a directory" }
    New-Item -ItemType Directory -Force -Path $destination | Out-Null
    if ($p.lock_token) { Assert-LockHeld $ifx.lock $p.lock_token }  # a restore's safety backup: the restore holds it
    else {
        $token = "backup-$PID-$([DateTime]::UtcNow.Ticks)"
        Lock-Server $ifx.lock @{ operation = 'backup'; pid = $PID; token = $token } $p.break_token
    }
    try {
        # Leftovers of this server's killed runs only; other servers' files in a shared destination are never touched.
        $own = '^' + [regex]::Escape($ifx.vars.INFORMIXSERVER) + '_\d{8}T\d{9}_L[012]\.(arc|json)\.partial$'
        Get-ChildItem -LiteralPath $destination -Filter '*.partial' -File | Where-Object { $_.Name -match $own } | Remove-Item -Force
        $partial = Join-Path $destination ($p.name + '.arc.partial')
        $archive = Join-Path $destination ($p.name + '.arc')
        $manifestPath = Join-Path $destination ($p.name + '.json')
        foreach ($taken in @($archive, $manifestPath)) {
            if (Test-Path -LiteralPath $taken) { Fail "$taken already exists; no backup overwrites another" }
        }
        $start = UtcNow
        if ($p.tool -eq 'onbar') {
            $run = Invoke-OnbarBackup $ifx
            $sha256 = $null; $size = $null
        } else {
            $run = Invoke-OntapeToFile $ifx $partial
            $sha256 = Get-Sha256 $partial
            $size = (Get-Item -LiteralPath $partial).Length
        }
        $state = Get-ServerState $ifx
        $checkpoint = Get-LastCheckpoint $state.onstat_arc $p.level
        $previous = $p.previous_checkpoint
        # A new archive starts with a new checkpoint: later in the log than the server's last one of this level.
        if ($p.verify -and (-not $checkpoint -or ($previous -and (Get-CheckpointOrder $checkpoint) -le (Get-CheckpointOrder $previous)))) {
            Remove-Item -LiteralPath $partial -Force -ErrorAction SilentlyContinue
            Fail "backup not verified: onstat -g arc shows no new level $($p.level) archive" @{ output = $run.text; onstat_arc = $state.onstat_arc }
        }
        $dbspaces = (Invoke-Native $ifx @('onstat', '-d')).text -split "`r?`n"
        $chunks = @($dbspaces | ForEach-Object { [regex]::Match($_, $p.chunk_row_pattern) } | Where-Object Success |
                    ForEach-Object { $_.Groups[1].Value })
        if ($p.tool -eq 'onbar') { $archive = $null } else { Move-Item -LiteralPath $partial -Destination $archive }
        $manifest = @{}
        $p.manifest.PSObject.Properties | ForEach-Object { $manifest[$_.Name] = $_.Value }
        $manifest.start = $start; $manifest.end = UtcNow; $manifest.size = $size; $manifest.sha256 = $sha256
        $manifest.archive = if ($archive) { Split-Path -Leaf $archive } else { $null }; $manifest.verified = [bool]$p.verify; $manifest.chunks = $chunks
        $manifest.checkpoint = $checkpoint
        $manifest.informix_banner = $state.onstat.Trim()
        $text = $run.text
        $manifest.ontape_output = if ($text.Length -gt 4000) { $text.Substring($text.Length - 4000) } else { $text }
        # The manifest is written last: its presence is what marks the backup complete.
        Write-Atomic $manifestPath ([Text.Encoding]::UTF8.GetBytes(($manifest | ConvertTo-Json -Depth 6)))
        $deleted = @()
        foreach ($name in @($p.delete)) {  # retention names files of this destination only
            $path = Join-Path $destination $name
            if ((Test-PlainName $name) -and (Test-Path -LiteralPath $path -PathType Leaf)) { Remove-Item -LiteralPath $path -Force; $deleted += $path }
        }
        $manifest.manifest = $manifestPath
        $manifest.archive_path = $archive
        $Ansible.Changed = $true
        @{ changed = $true; manifest = $manifest; deleted = $deleted; output = $run.text; onstat_rc = $state.onstat_rc }
    } finally {
        if (-not $p.lock_token) { Unlock-Server $ifx.lock $token }
    }
}

# What the scheduled task runs (manual section 6.3.1), with no controller to plan: name the archive, record
# the checkpoint of the archive it builds on (the controller links the chain by it), back up, and
# append one line to the results file. It never deletes anything.
function Invoke-Scheduled {
    try {
        $ifx = Get-InformixEnv
        $state = Get-ServerState $ifx
        if ($state.onstat_rc -ne 5) { Fail "the Informix server is not On-Line (onstat - rc $($state.onstat_rc))" }
        $level = [int]$p.level
        $base = if ($level -gt 0) { Get-LastCheckpoint $state.onstat_arc ($level - 1) } else { $null }
        if ($level -gt 0 -and -not $base) { Fail "the server has no level $($level - 1) archive for a level $level backup to build on" }
        $tapedev = (Select-String -LiteralPath $ifx.onconfig -Pattern '^\s*TAPEDEV\s+(\S+)' | Select-Object -First 1).Matches.Groups[1].Value
        $name = '{0}_{1}_L{2}' -f $ifx.vars.INFORMIXSERVER, [DateTime]::UtcNow.ToString('yyyyMMddTHHmmssfff'), $level  # as _archives.archive_name
        $manifest = $p.manifest
        foreach ($pair in @{ name = $name; level = $level; parent = $null; parent_checkpoint = $base; purpose = 'scheduled';
                             informixserver = $ifx.vars.INFORMIXSERVER; computer_name = $env:COMPUTERNAME;
                             oscc_version = (Get-OsccVersion);
                             chain = $(if ($level -eq 0) { $name } else { $null }) }.GetEnumerator()) {
            $manifest | Add-Member -NotePropertyName $pair.Key -NotePropertyValue $pair.Value -Force
        }
        foreach ($pair in @{ name = $name; tapedev = $tapedev; delete = @();
                             previous_checkpoint = (Get-LastCheckpoint $state.onstat_arc $level) }.GetEnumerator()) {
            $p | Add-Member -NotePropertyName $pair.Key -NotePropertyValue $pair.Value -Force
        }
        $result = Invoke-Backup
        $line = '{0} OK level {1} {2} sha256 {3}' -f (UtcNow), $level, $result.manifest.manifest, $result.manifest.sha256
    } catch [Problem] {
        $result = $_.Exception.Extra + @{ failed = $true; msg = $_.Exception.Message }
        $line = '{0} FAILED level {1}: {2}' -f (UtcNow), $p.level, $_.Exception.Message
    }
    Add-Content -LiteralPath $p.results_file -Value $line
    $result
}

function Invoke-VerifyArchives {
    $results = foreach ($item in @($p.archives)) {
        $entry = @{ archive = $item.archive; ok = $false }
        if (-not (Test-Path -LiteralPath $item.archive -PathType Leaf)) { $entry.reason = 'archive file is missing' }
        else {
            $entry.sha256 = Get-Sha256 $item.archive
            $entry.size = (Get-Item -LiteralPath $item.archive).Length
            if ($entry.sha256 -ne $item.sha256 -or $entry.size -ne [long]$item.size) {
                $entry.reason = "checksum mismatch: manifest $($item.sha256), file $($entry.sha256)"
            } else { $entry.ok = $true }
        }
        $entry
    }
    @{ archives = @($results) }
}

function Wait-Mode([hashtable]$ifx, [int[]]$wanted, [int]$timeout) {
    $deadline = (Get-Date).AddSeconds($timeout)
    while ($true) {
        $rc = (Invoke-Native $ifx @('onstat', '-')).rc
        if ($wanted -contains $rc) { return $rc }
        if ((Get-Date) -gt $deadline) { Fail "server did not reach mode $($wanted -join '/') within $timeout s (onstat - rc $rc)" @{ touched = $true } }
        Start-Sleep -Seconds 1
    }
}

function Invoke-Restore {
    $ifx = Get-InformixEnv
    Assert-LockHeld $ifx.lock $p.lock_token   # the controller took the server's lock for the whole restore
    $bad = @((Invoke-VerifyArchives).archives | Where-Object { -not $_.ok })
    if ($bad) { Fail "refusing to restore: $($bad[0].archive): $($bad[0].reason)" @{ touched = $false } }
    if ($p.method -eq 'onbar') {
        $verified = Invoke-Native $ifx @('onbar', '-v') -timeout $p.timeout   # restorable? asked before anything is touched
        if ($verified.rc -ne 0) {
            Fail "refusing to restore: onbar -v returned $($verified.rc) ($(Get-OnbarMeaning $verified.rc))" @{
                output = $verified.text; touched = $false }
        }
    }
    try { Invoke-RestoreTouching $ifx } catch {
        # The server may be down now: say in which mode it was left.
        $extra = if ($_.Exception -is [Problem]) { $_.Exception.Extra } else { @{} }
        if (-not $extra.ContainsKey('touched')) { $extra.touched = $true }
        $extra.onstat_rc = (Invoke-Native $ifx @('onstat', '-')).rc
        $msg = if ($_.Exception -is [Problem]) { $_.Exception.Message } else { "restore failed: $($_.Exception.Message)" }
        Fail $msg $extra
    }
}

function Invoke-RestoreTouching([hashtable]$ifx) {
    $transcript = @()
    if ((Invoke-Native $ifx @('onstat', '-')).rc -ne 255) {
        $transcript += (Invoke-Native $ifx @('onmode', '-ky')).text
        Wait-Mode $ifx @(255) $p.timeout | Out-Null
    }
    $created = @()
    foreach ($chunk in @($p.chunks)) {
        if ($chunk -and -not (Test-Path -LiteralPath $chunk)) {
            New-Item -ItemType Directory -Force -Path (Split-Path -Parent $chunk) | Out-Null
            New-Item -ItemType File -Path $chunk | Out-Null   # manual 6.3.3: missing chunk files are created empty first
            $created += $chunk
        }
    }
    $files = @($p.archives | ForEach-Object { $_.archive })
    $staged = @()
    try {
        switch ($p.method) {
            'onbar' {
                $run = Invoke-Native $ifx @('onbar', '-r') -timeout $p.timeout
                if ($run.rc -ne 0) {
                    Fail "onbar -r returned $($run.rc) ($(Get-OnbarMeaning $run.rc)); the server is left as onbar left it" @{
                        output = $run.text; touched = $true; created_chunks = $created }
                }
                $run.text += "`r`n" + $p.success_text   # onbar reports by return code, not in words
            }
            'stdio' {
                $stream = $files[0]
                if ($files.Count -gt 1) {
                    $stream = Join-Path (Split-Path -Parent $files[0]) 'oscc_restore_stream.partial'
                    $staged += $stream
                    $out = [IO.File]::Create($stream)
                    try { foreach ($f in $files) { $in = [IO.File]::OpenRead($f); try { $in.CopyTo($out) } finally { $in.Close() } } }
                    finally { $out.Close() }
                }
                $run = Invoke-Native $ifx @('ontape', '-r', '-t', 'STDIO') -stdinFile $stream -stdoutFile 'NUL' -timeout $p.timeout
            }
            'directory' {
                $level = 0
                foreach ($f in $files) {
                    $target = Join-Path $p.tapedev ("oscc_restore_L{0}" -f $level)
                    if (Test-Path -LiteralPath $target) { Fail "$target exists in TAPEDEV; move it away before restoring" @{ touched = $true } }
                    Copy-Item -LiteralPath $f -Destination $target
                    $staged += $target
                    $level++
                }
                $run = Invoke-Native $ifx @('ontape', '-r', '-d') -timeout $p.timeout -extraEnv @{ IFX_ONTAPE_FILE_PREFIX = 'oscc_restore' }
            }
            default {
                # The manual's TAPEDEV file: ontape asks for each level in turn, and each must be in the file then.
                $saved = $p.tapedev + '.oscc-saved'
                Move-Item -LiteralPath $p.tapedev -Destination $saved
                try {
                    Copy-Item -LiteralPath $files[0] -Destination $p.tapedev
                    $run = Invoke-Prompted $ifx.vars @('ontape', '-r') @($p.prompts) $p.timeout $files
                } finally {
                    Move-Item -LiteralPath $saved -Destination $p.tapedev -Force
                }
            }
        }
    } finally {
        foreach ($path in $staged) { Remove-Item -LiteralPath $path -Force -ErrorAction SilentlyContinue }
    }
    $transcript += $run.text
    if ($run.text -match "(?i)$($p.failure_pattern)" -or -not $run.text.Contains($p.success_text)) {
        Fail 'ontape restore failed; the server is left as ontape left it' @{ output = $run.text; touched = $true; created_chunks = $created }
    }
    $rc = Wait-Mode $ifx @(1, 7, 5) $p.timeout
    if ($rc -ne 5) {
        $transcript += (Invoke-Native $ifx @('onmode', '-m')).text
        $rc = Wait-Mode $ifx @(5) $p.timeout
    }
    $Ansible.Changed = $true
    @{ changed = $true; output = $run.text; transcript = $transcript; onstat_rc = $rc; created_chunks = $created; touched = $true }
}

# A file's text as latin-1 (every byte kept) and its SHA-256.
function Read-TextFile([string]$path) {
    @{ content = [Text.Encoding]::GetEncoding(28591).GetString([IO.File]::ReadAllBytes($path)); sha256 = Get-Sha256 $path }
}

function Invoke-ReadFile {
    if (Test-Path -LiteralPath $p.path -PathType Container) { Fail "$($p.path) is a folder, not a file" }
    if (-not (Test-Path -LiteralPath $p.path -PathType Leaf)) { Fail "$($p.path) does not exist" }
    Read-TextFile $p.path
}

function Invoke-WriteFile {
    $path = $p.path
    $encoding = if ($p.latin1) { [Text.Encoding]::GetEncoding(28591) } else { New-Object Text.UTF8Encoding($false) }
    $content = $encoding.GetBytes($p.content)
    $exists = Test-Path -LiteralPath $path
    if ($exists -and [Linq.Enumerable]::SequenceEqual([byte[]][IO.File]::ReadAllBytes($path), [byte[]]$content)) {
        return @{ changed = $false; backup_file = $null }
    }
    $current = if ($exists) { Get-Sha256 $path } else { $null }
    if ($p.expected_sha256 -and $current -ne $p.expected_sha256) { Fail "$path changed while this task ran; nothing written" }
    New-Item -ItemType Directory -Force -Path (Split-Path -Parent $path) | Out-Null
    $backup = $null
    if ($p.backup -and $current) {
        $backup = '{0}.{1}.bak' -f $path, (Get-Date -Format 'yyyyMMddHHmmss')
        Copy-Item -LiteralPath $path -Destination $backup
    }
    Write-Atomic $path $content
    $Ansible.Changed = $true
    @{ changed = $true; backup_file = $backup }
}

function Get-Under([string]$base, [string]$relative) {
    $parts = @($relative -split '[\\/]+' | Where-Object { $_ })
    if ($parts.Count -eq 0 -or $parts -contains '..') { Fail "'$relative' is not a path inside $base" }
    Join-Path $base ($parts -join '\')
}

function Invoke-ReadFiles {
    $wanted = New-Object Collections.Generic.List[string]
    foreach ($relative in @($p.paths)) { if ($relative) { $wanted.Add($relative) } }
    foreach ($folder in @($p.dirs)) {
        if (-not $folder) { continue }
        $here = Get-Under $p.base $folder
        if (Test-Path -LiteralPath $here -PathType Container) {
            Get-ChildItem -LiteralPath $here -File | Sort-Object Name | ForEach-Object { $wanted.Add("$folder/$($_.Name)") }
        }
    }
    $files = @{}
    foreach ($relative in $wanted) {
        $path = Get-Under $p.base $relative
        if (Test-Path -LiteralPath $path -PathType Leaf) {
            $files[$relative] = Read-TextFile $path
        }
    }
    @{ files = $files }
}

function Invoke-WriteFiles {
    $latin1 = [Text.Encoding]::GetEncoding(28591)
    if ($p.expected) {
        foreach ($item in $p.expected.PSObject.Properties) {
            $path = Get-Under $p.base $item.Name
            $current = if (Test-Path -LiteralPath $path -PathType Leaf) { Get-Sha256 $path } else { '' }
            if ($current -ne $item.Value) { Fail "$path changed while this task ran; nothing written" }
        }
    }
    $written = @()
    foreach ($item in $p.files.PSObject.Properties) {
        $path = Get-Under $p.base $item.Name
        New-Item -ItemType Directory -Force -Path (Split-Path -Parent $path) | Out-Null
        Write-Atomic $path $latin1.GetBytes([string]$item.Value)
        $written += $item.Name
    }
    if ($written.Count) { $Ansible.Changed = $true }
    @{ changed = ($written.Count -gt 0); written = @($written | Sort-Object) }
}

function Read-Entry($entry) {
    $stream = $entry.Open()
    try { $memory = New-Object IO.MemoryStream; $stream.CopyTo($memory); , $memory.ToArray() } finally { $stream.Dispose() }
}

function Get-BytesSha256([byte[]]$bytes) {
    $sha = [Security.Cryptography.SHA256]::Create()
    try { ([BitConverter]::ToString($sha.ComputeHash($bytes)) -replace '-', '').ToLowerInvariant() } finally { $sha.Dispose() }
}

function Invoke-InstallKit {
    # Same rules as install_kit in _remote_posix.py: files changed on site are kept and saved, never overwritten.
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $dest = $p.dest
    if (-not (Test-Path -LiteralPath $p.archive -PathType Leaf)) {
        if ($p.check) { return @{ changed = $true; written = @(); kept = @(); saved_dir = $null; kit_sha256 = $null; upgrade = $false } }
        Fail "kit $($p.archive) does not exist"
    }
    if (Test-Path -LiteralPath $dest -PathType Leaf) { Fail "dest $dest is a file, not a folder" }
    $kitSha = Get-Sha256 $p.archive
    $manifestPath = Join-Path $dest '.oscc-kit.json'
    $old = if (Test-Path -LiteralPath $manifestPath) { Get-Content -Raw -LiteralPath $manifestPath | ConvertFrom-Json } else { $null }
    try { $kit = [IO.Compression.ZipFile]::OpenRead($p.archive) } catch { Fail "kit $($p.archive) is not a zip file" }
    try {
        $entries = @($kit.Entries | Where-Object { -not $_.FullName.EndsWith('/') })
        $write = @(); $keep = @(); $files = [ordered]@{}
        foreach ($entry in $entries) {
            $name = $entry.FullName
            $newSha = Get-BytesSha256 (Read-Entry $entry)
            $files[$name] = $newSha
            $target = Get-Under $dest $name
            if (-not (Test-Path -LiteralPath $target -PathType Leaf)) { $write += $name; continue }
            $current = Get-Sha256 $target
            if ($current -eq $newSha) { continue }
            $before = if ($old) { $old.files.PSObject.Properties[$name] } else { $null }
            if ($before -and $before.Value -eq $current) { $write += $name } else { $keep += $name }
        }
        $sameManifest = $old -and $old.kit_sha256 -eq $kitSha -and
            (@($old.files.PSObject.Properties).Count -eq $files.Count) -and
            -not @($files.Keys | Where-Object { -not $old.files.PSObject.Properties[$_] -or $old.files.PSObject.Properties[$_].Value -ne $files[$_] })
        $changed = ($write.Count -gt 0) -or -not $sameManifest
        $saved = $null
        if ($changed -and -not $p.check) {
            if ($keep.Count) {
                $saved = Join-Path $p.saved_dir (Get-Date -Format 'yyyyMMddHHmmss')
                foreach ($name in $keep) {
                    $siteCopy = Get-Under (Join-Path $saved 'site') $name
                    $kitCopy = Get-Under (Join-Path $saved 'kit') $name
                    New-Item -ItemType Directory -Force -Path (Split-Path -Parent $siteCopy), (Split-Path -Parent $kitCopy) | Out-Null
                    Copy-Item -LiteralPath (Get-Under $dest $name) -Destination $siteCopy
                    Write-Atomic $kitCopy (Read-Entry $kit.GetEntry($name))
                }
            }
            foreach ($name in $write) {
                $target = Get-Under $dest $name
                New-Item -ItemType Directory -Force -Path (Split-Path -Parent $target) | Out-Null
                Write-Atomic $target (Read-Entry $kit.GetEntry($name))
            }
            New-Item -ItemType Directory -Force -Path $dest | Out-Null
            $json = ConvertTo-Json -InputObject @{ kit_sha256 = $kitSha; files = $files } -Depth 4
            Write-Atomic $manifestPath ([Text.Encoding]::UTF8.GetBytes($json))
            $Ansible.Changed = $true
        }
    } finally { $kit.Dispose() }
    @{ changed = $changed; written = @($write | Sort-Object); kept = @($keep | Sort-Object); saved_dir = $saved;
       kit_sha256 = $kitSha; upgrade = [bool]($old -and $old.kit_sha256 -ne $kitSha) }
}

# An argv as one CreateProcess command line, quoted by the MS C runtime rules (as Python's
# subprocess.list2cmdline): no shell reads it, so & | < > ^ and %VAR% stay literal.
function ConvertTo-CommandLine([string[]]$argv) {
    $parts = foreach ($arg in $argv) {
        if ($arg -ne '' -and $arg -notmatch '[ \t"]') { $arg; continue }
        $quoted = New-Object Text.StringBuilder
        [void]$quoted.Append('"')
        $slashes = 0
        foreach ($c in $arg.ToCharArray()) {
            if ($c -eq [char]'\') { $slashes++; continue }
            if ($c -eq [char]'"') { [void]$quoted.Append('\' * ($slashes * 2 + 1)).Append('"') }
            else { [void]$quoted.Append('\' * $slashes).Append($c) }
            $slashes = 0
        }
        [void]$quoted.Append('\' * ($slashes * 2)).Append('"')
        $quoted.ToString()
    }
    @($parts) -join ' '
}

# Runs a program directly (no cmd.exe), stdout and stderr read as UTF-8, the exit code always read.
function Invoke-Program([string[]]$argv, [hashtable]$envVars = @{}, [int]$timeout = 300) {
    $info = New-Object System.Diagnostics.ProcessStartInfo
    $info.FileName = $argv[0]
    $info.Arguments = ConvertTo-CommandLine @($argv | Select-Object -Skip 1)
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.StandardOutputEncoding = [Text.Encoding]::UTF8
    $info.StandardErrorEncoding = [Text.Encoding]::UTF8
    foreach ($k in $envVars.Keys) { $info.EnvironmentVariables[$k] = $envVars[$k] }
    try { $proc = [System.Diagnostics.Process]::Start($info) } catch { Fail "$($argv[0]) could not be started: $($_.Exception.Message)" }
    $out = $proc.StandardOutput.ReadToEndAsync()
    $err = $proc.StandardError.ReadToEndAsync()
    if (-not $proc.WaitForExit($timeout * 1000)) { $proc.Kill(); Fail "$($argv[0]) did not finish within $timeout seconds" }
    $proc.WaitForExit()
    @{ rc = $proc.ExitCode; text = $out.Result + $err.Result }
}

function Invoke-KeystoreCert {
    # Same rules as keystore_cert in _remote_posix.py: the store password reaches keytool in its
    # environment (-storepass:env), never its command line.
    $secret = @{ OSCC_STOREPASS = $p.storepass }
    $store = @('-keystore', $p.keystore, '-storepass:env', 'OSCC_STOREPASS')
    if (-not (Test-Path -LiteralPath $p.keystore -PathType Leaf)) { Fail "keystore $($p.keystore) does not exist" }
    $pattern = 'SHA256:\s*([0-9A-F:]{95})'
    $run = Invoke-Program @($p.keytool, '-printcert', '-file', $p.certificate) $secret
    if ($run.rc -ne 0 -or $run.text -notmatch $pattern) { Fail "certificate $($p.certificate) is not a certificate keytool can read" }
    $wanted = $Matches[1]
    $run = Invoke-Program (@($p.keytool, '-list', '-v', '-alias', $p.alias) + $store) $secret
    $current = $null
    if ($run.rc -eq 0 -and $run.text -match $pattern) { $current = $Matches[1] }
    elseif ($run.text -match 'password was incorrect') { Fail "keystore_password is not the password of $($p.keystore)" }
    elseif ($run.text -notmatch 'does not exist') { Fail "keytool could not read $($p.keystore)" }
    $changed = $current -ne $wanted
    if ($changed -and -not $p.check) {
        if ($current) {
            $run = Invoke-Program (@($p.keytool, '-delete', '-alias', $p.alias) + $store) $secret
            if ($run.rc -ne 0) { Fail "keytool could not remove the old certificate $($p.alias) from $($p.keystore)" }
        }
        $run = Invoke-Program (@($p.keytool, '-importcert', '-noprompt', '-alias', $p.alias, '-file', $p.certificate) + $store) $secret
        if ($run.rc -ne 0) { Fail "keytool could not import $($p.certificate) as $($p.alias)" }
        $Ansible.Changed = $true
    }
    @{ changed = $changed; before = $current; after = $wanted }
}

$procedures = @{ probe = { Invoke-Probe }; lock = { Invoke-Lock }; backup = { Invoke-Backup }; verify_archives = { Invoke-VerifyArchives };
                 restore = { Invoke-Restore }; write_file = { Invoke-WriteFile }; read_file = { Invoke-ReadFile };
                 scheduled = { Invoke-Scheduled }; read_files = { Invoke-ReadFiles }; write_files = { Invoke-WriteFiles };
                 install_kit = { Invoke-InstallKit };
                 keystore_cert = { Invoke-KeystoreCert }; run_prompted = { Invoke-RunPrompted } }
try {
    $result = & $procedures[$Procedure]
} catch [Problem] {
    $result = $_.Exception.Extra + @{ failed = $true; msg = $_.Exception.Message }
} catch {
    $result = @{ failed = $true; msg = "$($_.Exception.GetType().Name): $($_.Exception.Message)" }
}
# One JSON string is the whole output; the controller reads it back.
ConvertTo-Json -InputObject $result -Depth 8 -Compress
