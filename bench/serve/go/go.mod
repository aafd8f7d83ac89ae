module langoost.dev/bench/serve/go

go 1.19
