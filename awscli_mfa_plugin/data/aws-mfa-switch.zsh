# zsh completion for aws-mfa-switch (awscli-mfa-plugin).
# Load it with:  eval "$(aws-mfa-switch --completion-script zsh)"
(( $+functions[compdef] )) || { autoload -Uz compinit && compinit; }

_aws_mfa_switch() {
    local -a names
    case ${words[CURRENT-1]} in
        --profile)
            names=(${(f)"$(command aws-mfa-switch --completion-profiles 2>/dev/null)"})
            compadd -a names; return ;;
        --source-profile|--target-profile)
            names=(${(f)"$(command aws-mfa-switch --completion-profiles all 2>/dev/null)"})
            compadd -a names; return ;;
        --prompt)
            compadd -- @PROMPTS@; return ;;
        --export)
            names=(@EXPORT_SHELLS@ ${(f)"$(command aws-mfa-switch --completion-profiles 2>/dev/null)"})
            compadd -a names; return ;;
        @VALUE_OPTIONS_CASE@)
            return 1 ;;  # a value nobody can guess
    esac
    if [[ $PREFIX == -* ]]; then
        compadd -- @FLAGS@ @VALUE_OPTIONS@
    else
        names=(${(f)"$(command aws-mfa-switch --completion-profiles 2>/dev/null)"})
        # Profiles named already are not offered again.
        names=(${names:|words})
        compadd -a names
    fi
}
compdef _aws_mfa_switch aws-mfa-switch
