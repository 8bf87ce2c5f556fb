# fish completion for aws-mfa-switch (awscli-mfa-plugin).
# Load it with:  aws-mfa-switch --completion-script fish | source
function __aws_mfa_switch_profiles
    command aws-mfa-switch --completion-profiles $argv 2>/dev/null
end

function __aws_mfa_switch_unnamed_profiles
    set -l named (commandline -opc)
    for name in (__aws_mfa_switch_profiles)
        contains -- $name $named; or echo $name
    end
end

function __aws_mfa_switch_after
    set -l words (commandline -opc)
    test (count $words) -gt 0; and contains -- $words[-1] $argv
end

complete -c aws-mfa-switch -e
complete -c aws-mfa-switch -f
# Options that take a value: no file names offered for it (-x).
for option in @VALUE_OPTIONS@
    complete -c aws-mfa-switch -l (string sub -s 3 -- $option) -x
end
for option in @FLAGS@
    complete -c aws-mfa-switch -l (string sub -s 3 -- $option)
end
complete -c aws-mfa-switch -l profile -x -a '(__aws_mfa_switch_profiles)'
complete -c aws-mfa-switch -l source-profile -x -a '(__aws_mfa_switch_profiles all)'
complete -c aws-mfa-switch -l target-profile -x -a '(__aws_mfa_switch_profiles all)'
complete -c aws-mfa-switch -l prompt -x -a '@PROMPTS@'
complete -c aws-mfa-switch -n '__aws_mfa_switch_after --export' -a '@EXPORT_SHELLS@'
# The positional profiles, where no option waits for its value.
complete -c aws-mfa-switch -n 'not __aws_mfa_switch_after @VALUE_OPTIONS@' -a '(__aws_mfa_switch_unnamed_profiles)'
