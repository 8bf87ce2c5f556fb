# bash completion for aws-mfa-switch (awscli-mfa-plugin).
# Load it with:  eval "$(aws-mfa-switch --completion-script bash)"
_aws_mfa_switch_profiles() {
    command aws-mfa-switch --completion-profiles "$@" 2>/dev/null
}

_aws_mfa_switch() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local IFS=$'\n'
    case $prev in
        --profile)
            COMPREPLY=($(compgen -W "$(_aws_mfa_switch_profiles)" -- "$cur")); return ;;
        --source-profile|--target-profile)
            COMPREPLY=($(compgen -W "$(_aws_mfa_switch_profiles all)" -- "$cur")); return ;;
        --prompt)
            COMPREPLY=($(compgen -W "$(printf '%s\n' @PROMPTS@)" -- "$cur")); return ;;
        --export)
            COMPREPLY=($(compgen -W "$(printf '%s\n' @EXPORT_SHELLS@; _aws_mfa_switch_profiles)" -- "$cur"))
            return ;;
        @VALUE_OPTIONS_CASE@)
            return ;;  # a value nobody can guess
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(printf '%s\n' @FLAGS@ @VALUE_OPTIONS@)" -- "$cur"))
    else
        local named=" $(printf '%s ' "${COMP_WORDS[@]:1}")" name
        COMPREPLY=()
        for name in $(compgen -W "$(_aws_mfa_switch_profiles)" -- "$cur"); do
            [[ $named == *" $name "* && $name != "$cur" ]] || COMPREPLY+=("$name")
        done
    fi
}
complete -F _aws_mfa_switch aws-mfa-switch
