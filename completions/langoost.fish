# fish completion for langoost: subcommands, their flags, .goost files.
# Installed to share/fish/vendor_completions.d/langoost.fish.

set -l commands run disasm check test repl serve install compile build fmt version init help lsp debug
complete -c langoost -f
complete -c langoost -n "not __fish_seen_subcommand_from $commands" -l help -d 'Print help'
complete -c langoost -n "not __fish_seen_subcommand_from $commands" -l version -d 'Print version'
complete -c langoost -n "not __fish_seen_subcommand_from $commands" -a run -d 'Compile and run a script'
complete -c langoost -n "not __fish_seen_subcommand_from $commands" -a disasm -d 'Print the bytecode of a script'
complete -c langoost -n "not __fish_seen_subcommand_from $commands" -a check -d 'Compile only, report every diagnostic'
complete -c langoost -n "not __fish_seen_subcommand_from $commands" -a test -d 'Run the tests in *_test.goost files'
complete -c langoost -n "not __fish_seen_subcommand_from $commands" -a repl -d 'Interactive REPL'
complete -c langoost -n "not __fish_seen_subcommand_from $commands" -a serve -d 'Serve HTTP'
complete -c langoost -n "not __fish_seen_subcommand_from $commands" -a install -d 'Fetch the dependencies in langoost.json'
complete -c langoost -n "not __fish_seen_subcommand_from $commands" -a compile -d 'Make a standalone executable'
complete -c langoost -n "not __fish_seen_subcommand_from $commands" -a build -d 'Build DIR/build/'
complete -c langoost -n "not __fish_seen_subcommand_from $commands" -a fmt -d 'Reformat source files'
complete -c langoost -n "not __fish_seen_subcommand_from $commands" -a version -d 'Print version and build information'
complete -c langoost -n "not __fish_seen_subcommand_from $commands" -a init -d 'Start a project'
complete -c langoost -n "not __fish_seen_subcommand_from $commands" -a help -d 'Describe the commands, or one command'
complete -c langoost -n "not __fish_seen_subcommand_from $commands" -a lsp -d 'Language server for editors'
complete -c langoost -n "not __fish_seen_subcommand_from $commands" -a debug -d 'Debug adapter (DAP) for editors'
complete -c langoost -n "not __fish_seen_subcommand_from $commands" -F

complete -c langoost -n "__fish_seen_subcommand_from run disasm check test serve compile build fmt" -F
complete -c langoost -n "__fish_seen_subcommand_from $commands" -l help -d 'Print help'

complete -c langoost -n "__fish_seen_subcommand_from run" -x -l max-heap -d 'Heap limit in bytes'
complete -c langoost -n "__fish_seen_subcommand_from run" -x -l max-depth -d 'Call depth limit'
complete -c langoost -n "__fish_seen_subcommand_from run" -x -l max-steps -d 'Step budget'
complete -c langoost -n "__fish_seen_subcommand_from run" -x -l timeout -d 'Wall-clock limit in ms'
complete -c langoost -n "__fish_seen_subcommand_from run" -x -l max-output -d 'Output limit in bytes'
complete -c langoost -n "__fish_seen_subcommand_from run" -x -s e -l eval -d 'Run CODE instead of a file'
complete -c langoost -n "__fish_seen_subcommand_from init" -x -a '(__fish_complete_directories)'
complete -c langoost -n "__fish_seen_subcommand_from help" -x -a "$commands"
complete -c langoost -n "__fish_seen_subcommand_from run" -r -l profile -d 'Sample the run, write folded stacks'

complete -c langoost -n "__fish_seen_subcommand_from test" -x -l filter -d 'Only tests whose name contains SUBSTR'
complete -c langoost -n "__fish_seen_subcommand_from test" -l json -d 'Machine-readable report'
complete -c langoost -n "__fish_seen_subcommand_from test" -l coverage -d 'Line coverage (lcov)'
complete -c langoost -n "__fish_seen_subcommand_from test" -r -l coverage-out -d 'lcov file to write'

complete -c langoost -n "__fish_seen_subcommand_from fmt" -l check -d 'List the files that would change'
complete -c langoost -n "__fish_seen_subcommand_from fmt" -l stdout -d 'Print instead of rewriting'

complete -c langoost -n "__fish_seen_subcommand_from compile" -r -s o -l output -d 'Executable to write'
complete -c langoost -n "__fish_seen_subcommand_from install" -x -a '(__fish_complete_directories)' -l dir -d 'Directory holding langoost.json'

for flag in host port workers core db-pool timeout-ms max-memory-mb max-body-bytes max-output-bytes \
        max-header-bytes header-timeout-ms body-timeout-ms idle-timeout-ms grace-ms \
        max-connections max-streams max-waiting
    complete -c langoost -n "__fish_seen_subcommand_from serve" -x -l $flag
end
complete -c langoost -n "__fish_seen_subcommand_from serve" -r -l access-log -d 'Log one line per request'
complete -c langoost -n "__fish_seen_subcommand_from serve" -l dev -d 'Error details in 500 responses'
complete -c langoost -n "__fish_seen_subcommand_from serve" -l h2c -d 'Also serve cleartext HTTP/2'
complete -c langoost -n "__fish_seen_subcommand_from serve" -r -l tls-cert -d 'TLS certificate chain (PEM)'
complete -c langoost -n "__fish_seen_subcommand_from serve" -r -l tls-key -d 'TLS private key (PEM)'
