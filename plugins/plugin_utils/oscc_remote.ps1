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

function Invoke-IisIsapi {
    # IIS settings no microsoft.iis module covers (manual 4.2.1.1 step 7 and its note, 4.2.1.4):
    # the ISAPI/CGI restriction of the DLL, the application's handler access, MIME types, default documents.
    Import-Module WebAdministration
    $apphost = 'MACHINE/WEBROOT/APPHOST'
    $location = "$($p.site)$($p.application)"
    $changes = @{}
    $restriction = 'system.webServer/security/isapiCgiRestriction'
    $entry = Get-WebConfiguration -PSPath $apphost -Filter "$restriction/add[@path='$($p.isapi_path)']"
    if (-not $entry -or -not [bool]$entry.allowed) {
        $changes['isapi_cgi_restriction'] = @{ before = [bool]($entry -and $entry.allowed); after = $true }
        if (-not $p.check) {
            if ($entry) {
                Set-WebConfigurationProperty -PSPath $apphost -Filter "$restriction/add[@path='$($p.isapi_path)']" -Name allowed -Value $true
            } else {
                Add-WebConfigurationProperty -PSPath $apphost -Filter $restriction -Name . `
                    -Value @{ path = $p.isapi_path; allowed = $true; description = $p.isapi_description }
            }
        }
    }
    $policy = "$(Get-WebConfigurationProperty -PSPath $apphost -Location $location -Filter system.webServer/handlers -Name accessPolicy)"
    $current = (@($policy -split '\s*,\s*' | Where-Object { $_ }) | Sort-Object) -join ','
    $wanted = (@($p.access_policy -split '\s*,\s*' | Where-Object { $_ }) | Sort-Object) -join ','
    if ($current -ne $wanted) {
        $changes['access_policy'] = @{ before = $current; after = $wanted }
        if (-not $p.check) {
            Set-WebConfigurationProperty -PSPath $apphost -Location $location -Filter system.webServer/handlers -Name accessPolicy -Value $wanted
        }
    }
    foreach ($item in $p.mime_types.PSObject.Properties) {
        $map = "system.webServer/staticContent/mimeMap[@fileExtension='$($item.Name)']"
        $before = (Get-WebConfiguration -PSPath $apphost -Location $location -Filter $map).mimeType
        if ($before -ne $item.Value) {
            $changes["mime_type $($item.Name)"] = @{ before = $before; after = $item.Value }
            if (-not $p.check) {
                if ($before) { Remove-WebConfigurationProperty -PSPath $apphost -Location $location -Filter system.webServer/staticContent `
                                   -Name . -AtElement @{ fileExtension = $item.Name } }
                Add-WebConfigurationProperty -PSPath $apphost -Location $location -Filter system.webServer/staticContent -Name . `
                    -Value @{ fileExtension = $item.Name; mimeType = $item.Value }
            }
        }
    }
    foreach ($document in @($p.default_documents)) {
        $files = 'system.webServer/defaultDocument/files'
        if (-not (Get-WebConfiguration -PSPath $apphost -Location $location -Filter "$files/add[@value='$document']")) {
            $changes["default_document $document"] = @{ before = $null; after = $document }
            if (-not $p.check) {
                Add-WebConfigurationProperty -PSPath $apphost -Location $location -Filter $files -Name . -Value @{ value = $document }
            }
        }
    }
    if ($changes.Count -and -not $p.check) { $Ansible.Changed = $true }
    @{ changed = ($changes.Count -gt 0); changes = $changes }
}

function Use-ExchangeShell {
    # Exchange 2010/2013 and 2007 name their snap-ins differently (reference/mail.md section 2).
    foreach ($snapin in 'Microsoft.Exchange.Management.PowerShell.SnapIn', 'Microsoft.Exchange.Management.PowerShell.Admin') {
        if (Get-Command Get-ExchangeServer -ErrorAction SilentlyContinue) { break }
        Add-PSSnapin $snapin -ErrorAction SilentlyContinue
    }
    if (-not (Get-Command Get-ExchangeServer -ErrorAction SilentlyContinue)) { Fail 'the Exchange Management Shell is not on this host' }
}

function Use-ExchangeOnline {
    # Exchange Online PowerShell, app-only: the certificate is in the host's store, so no secret travels.
    if (-not (Get-Module -ListAvailable -Name ExchangeOnlineManagement)) {
        Fail 'the ExchangeOnlineManagement module is not installed on this host (Install-Module ExchangeOnlineManagement)'
    }
    Import-Module ExchangeOnlineManagement
    try {
        Connect-ExchangeOnline -AppId $p.online.app_id -CertificateThumbprint $p.online.certificate_thumbprint `
            -Organization $p.online.organization -ShowBanner:$false -ErrorAction Stop
    } catch { Fail "Connect-ExchangeOnline to $($p.online.organization) failed: $($_.Exception.Message)" }
}

# What both Exchange reads return of a mailbox.
function Get-MailboxFacts($mailbox) {
    @{ identity = "$($mailbox.Identity)"; email_addresses = @($mailbox.EmailAddresses | ForEach-Object { "$_" }) }
}

function Invoke-ExchangeOnlineRead {
    Use-ExchangeOnline
    try {
        $result = @{ version = 'online'; mailbox = $null; imap_enabled = $null; smtp_client_auth_disabled = $null;
                     send_as_granted = $false }
        $mailbox = Get-Mailbox -Identity $p.account -ErrorAction SilentlyContinue
        if (-not $mailbox) { return $result }
        $result.mailbox = Get-MailboxFacts $mailbox
        $cas = Get-CASMailbox -Identity $p.account
        $result.imap_enabled = [bool]$cas.ImapEnabled
        $result.smtp_client_auth_disabled = $cas.SmtpClientAuthenticationDisabled  # $null: the tenant's default
        if ($p.report_sender) {
            $result.send_as_granted = [bool](Get-RecipientPermission -Identity $p.report_sender -Trustee $p.account `
                -ErrorAction SilentlyContinue | Where-Object { "$($_.AccessRights)" -like '*SendAs*' })
        }
        $result
    } finally { Disconnect-ExchangeOnline -Confirm:$false -ErrorAction SilentlyContinue }
}

function Invoke-ExchangeRead {
    Use-ExchangeShell
    $server = Get-ExchangeServer -Identity $env:COMPUTERNAME
    $major = $server.AdminDisplayVersion.Major
    $result = @{ version = "$major.$($server.AdminDisplayVersion.Minor)"; mailbox = $null; transport = @{}; imap = @{};
                 throttling_policy = $null; throttling_association = $null; receive_connector = $null;
                 send_as_granted = $false; full_access = @{}; alias_mailboxes = @{} }
    $mailbox = Get-Mailbox -Identity $p.account -ErrorAction SilentlyContinue
    if (-not $mailbox) { return $result }
    $result.mailbox = Get-MailboxFacts $mailbox
    $trustee = "*\$($mailbox.SamAccountName)"
    if ($major -ge 15) {
        $policy = Get-ThrottlingPolicy -Identity 'OSCC' -ErrorAction SilentlyContinue
        if ($policy) { $result.throttling_policy = @{ ImapMaxBurst = "$($policy.ImapMaxBurst)"; ImapRechargeRate = "$($policy.ImapRechargeRate)" } }
        $result.throttling_association = "$((Get-ThrottlingPolicyAssociation -Identity $p.account).ThrottlingPolicyId)"
    }
    $transport = Get-TransportConfig
    $result.transport = @{ ShadowRedundancyEnabled = [bool]$transport.ShadowRedundancyEnabled;
                           HeaderPromotionModeSetting = "$($transport.HeaderPromotionModeSetting)" }
    $result.imap = @{ LoginType = "$((Get-ImapSettings).LoginType)" }
    if ($p.receive_connector) {
        $connector = Get-ReceiveConnector -Identity $p.receive_connector -ErrorAction SilentlyContinue
        if ($connector) { $result.receive_connector = @{ AuthMechanism = "$($connector.AuthMechanism)" } }
    }
    if ($p.report_sender) {
        $result.send_as_granted = [bool](Get-ADPermission -Identity $p.report_sender |
            Where-Object { "$($_.User)" -like $trustee -and "$($_.ExtendedRights)" -like '*Send-As*' })
    }
    foreach ($name in @($p.report_mailboxes)) {
        if (-not $name) { continue }
        $result.full_access[$name.ToLowerInvariant()] = [bool](Get-MailboxPermission -Identity $name |
            Where-Object { "$($_.User)" -like $trustee -and "$($_.AccessRights)" -like '*FullAccess*' })
    }
    foreach ($alias in @($p.aliases)) {
        if (-not $alias -or $major -ge 14) { continue }
        $aliasBox = Get-Mailbox -Identity $alias -ErrorAction SilentlyContinue
        if ($aliasBox) { $result.alias_mailboxes[$alias.ToLowerInvariant()] = @{ forwarding_address = "$($aliasBox.ForwardingAddress)" } }
    }
    $result
}

function Invoke-ExchangeApply {
    # Runs the planned cmdlets in order; only cmdlets and parameters on the controller's list.
    if ($p.online) { Use-ExchangeOnline } else { Use-ExchangeShell }
    try {
        $done = @()
        foreach ($step in @($p.steps)) {
            $allowed = $p.cmdlets.PSObject.Properties[$step.cmdlet]
            if (-not $allowed) { Fail "$($step.cmdlet) is not a cmdlet this procedure runs" }
            $splat = @{ Confirm = $false; ErrorAction = 'Stop' }
            foreach ($item in $step.parameters.PSObject.Properties) {
                if (@($allowed.Value) -notcontains $item.Name) { Fail "$($step.cmdlet) -$($item.Name) is not a parameter this procedure sets" }
                $value = $item.Value
                if ($value -is [pscustomobject]) {  # EmailAddresses = @{ Add = ... }
                    $table = @{}
                    foreach ($entry in $value.PSObject.Properties) { $table[$entry.Name] = @($entry.Value) }
                    $value = $table
                }
                $splat[$item.Name] = $value
            }
            try { & $step.cmdlet @splat | Out-Null } catch { Fail "$($step.cmdlet) failed: $($_.Exception.Message)" @{ done = $done } }
            $done += $step.cmdlet
        }
        if ($done.Count) { $Ansible.Changed = $true }
        @{ changed = ($done.Count -gt 0); done = $done }
    } finally { if ($p.online) { Disconnect-ExchangeOnline -Confirm:$false -ErrorAction SilentlyContinue } }
}

$procedures = @{ probe = { Invoke-Probe }; lock = { Invoke-Lock }; backup = { Invoke-Backup }; verify_archives = { Invoke-VerifyArchives };
                 restore = { Invoke-Restore }; scheduled = { Invoke-Scheduled }; iis_isapi = { Invoke-IisIsapi };
                 exchange_read = { Invoke-ExchangeRead }; exchange_apply = { Invoke-ExchangeApply };
                 exchange_online_read = { Invoke-ExchangeOnlineRead } }
try {
    $result = & $procedures[$Procedure]
} catch [Problem] {
    $result = $_.Exception.Extra + @{ failed = $true; msg = $_.Exception.Message }
} catch {
    $result = @{ failed = $true; msg = "$($_.Exception.GetType().Name): $($_.Exception.Message)" }
}
# One JSON string is the whole output; the controller reads it back.
ConvertTo-Json -InputObject $result -Depth 8 -Compress
