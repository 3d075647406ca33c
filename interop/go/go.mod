module github.com/org/webhook-exporter/interop

go 1.22
