# leadsim as a container image, for the sharded runs in deploy/.
#
#   docker build -t REGISTRY/leadsim:0.1.0 .
#   docker push REGISTRY/leadsim:0.1.0
#
# Stage 1 builds the binary from the committed Cargo.lock; stage 2 is a slim
# runtime with the binary, the bundled scenarios under /scenarios, and a
# non-root user. leadsim needs no system library beyond libc.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin leadsim

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --create-home --home-dir /home/leadsim leadsim
COPY --from=build /src/target/release/leadsim /usr/local/bin/leadsim
COPY --chown=leadsim:leadsim scenarios /scenarios
USER 10001
WORKDIR /home/leadsim
ENTRYPOINT ["leadsim"]
CMD ["--help"]
