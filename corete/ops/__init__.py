"""Operations: what a load balancer, systemd and Prometheus ask the hub (/healthz,
/readyz, /metrics), the schedulers' heartbeats, and the request log."""
