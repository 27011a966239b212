# The Courier proxy image, for users with a registry and a container builder.
#
#   npm run image                                   # prepares .cache/image/rootfs (offline)
#   docker build -f Dockerfile -t ghcr.io/courier-dev/courier:0.1.0 .cache/image
#
# Build context: .cache/image, whose rootfs/ folder `npm run image` (scripts/image/)
# prepares from this checkout: the Bun binary from its npm package, the C library it
# links and the CA certificates from the machine's Debian packages, passwd/group
# entries for uid/gid 65532, /app/proxy (and /app/contract) and only the proxy's
# runtime npm packages. No base image, no shell, no package manager. The same script
# writes the same image as an OCI archive (.cache/image/courier.oci.tar) without any
# builder; test/image/ checks that the instructions below match that image's config.
#
# The pod spec from CourierProxy runs it as uid 65532 on a read-only root filesystem
# with an emptyDir on /tmp, and starts it as `courier serve` (courier is on PATH).
FROM scratch
COPY rootfs/ /
USER 65532:65532
WORKDIR /app
ENV PATH=/usr/local/bin:/usr/bin:/bin
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
ENV NODE_ENV=production
ENV BUN_RUNTIME_TRANSPILER_CACHE_PATH=0
LABEL org.opencontainers.image.title="courier"
LABEL org.opencontainers.image.description="Courier: an SNI passthrough gateway for Kubernetes"
LABEL org.opencontainers.image.version="0.1.0"
LABEL org.opencontainers.image.licenses="Apache-2.0"
EXPOSE 443 9090
ENTRYPOINT ["/usr/local/bin/courier"]
CMD ["serve"]
