# bash completion for langoost: subcommands, their flags, .goost files.
# Installed to share/bash-completion/completions/langoost.

_langoost() {
    local cur prev cmd
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    cmd=${COMP_WORDS[1]}
    local commands="run disasm check test repl serve install compile build fmt version init help lsp debug"
    local limits="--max-heap --max-depth --max-steps --timeout --max-output --profile"

    if [[ $COMP_CWORD -eq 1 ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--help --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
            COMPREPLY+=($(compgen -f -X '!*.goost' -- "$cur") $(compgen -d -- "$cur"))
        fi
        return
    fi

    case $prev in
        --tls-cert|--tls-key|--access-log|-o|--output|--profile|--coverage-out)
            COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --dir)
            COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --host|--port|--workers|--core|--db-pool|--timeout-ms|--max-memory-mb|--max-body-bytes|\
        --max-output-bytes|--max-header-bytes|--header-timeout-ms|--body-timeout-ms|\
        --idle-timeout-ms|--grace-ms|--max-connections|--max-streams|--max-waiting|\
        --max-heap|--max-depth|--max-steps|--timeout|--max-output|--filter|-e|--eval)
            return ;;
    esac
    if [[ $cmd == help && $COMP_CWORD -eq 2 ]]; then
        COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        return
    fi

    local flags=""
    case $cmd in
        run) flags="$limits -e --eval" ;;
        test) flags="--filter --json --coverage --coverage-out" ;;
        serve) flags="--host --port --workers --core --db-pool --access-log --dev --timeout-ms
                      --max-memory-mb --max-body-bytes --max-output-bytes --max-header-bytes
                      --header-timeout-ms --body-timeout-ms --idle-timeout-ms --grace-ms
                      --max-connections --max-streams --max-waiting --h2c --tls-cert --tls-key" ;;
        install) flags="--dir" ;;
        compile) flags="-o --output" ;;
        fmt) flags="--check --stdout" ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "--help $flags" -- "$cur"))
        return
    fi
    case $cmd in
        repl|version|install|help|lsp) ;;
        init|build) COMPREPLY=($(compgen -d -- "$cur")) ;;
        *) COMPREPLY=($(compgen -f -X '!*.goost' -- "$cur") $(compgen -d -- "$cur")) ;;
    esac
}
complete -o filenames -F _langoost langoost
