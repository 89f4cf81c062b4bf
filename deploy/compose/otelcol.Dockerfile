# The pinned Collector image plus a static busybox, only so that Docker can run a health check:
# the contrib image is distroless (no shell, no wget, no curl) and the Collector has no health
# subcommand. Its health_check extension answers on :13133; busybox's wget asks it.
ARG OTELCOL_IMAGE=otel/opentelemetry-collector-contrib:0.136.0
FROM busybox:1.37-musl AS busybox
# The persistent queue's directory, owned by the Collector's user (10001): a named volume mounted
# there starts as a copy of it, writable by the Collector.
RUN mkdir -p /queue
FROM ${OTELCOL_IMAGE}
COPY --from=busybox /bin/busybox /busybox
COPY --from=busybox --chown=10001:10001 /queue /var/lib/otelcol/queue
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:13133/"]
