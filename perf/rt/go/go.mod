module nostosperf

go 1.19
