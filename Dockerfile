# Signaling node image: build the fat jar with Maven, run it on a JRE as a non-root user.
#
#   docker build -t meetsignal/signaling-node:dev .
#   docker run --rm --read-only --tmpfs /tmp:rw,exec,nosuid,nodev,size=64m \
#       -e JWT_SECRET=... -e REDIS_URL=redis://redis:6379 -p 3001:3001 meetsignal/signaling-node:dev
#   docker run --rm -e JWT_SECRET=... meetsignal/signaling-node:dev token alice "Alice"
#
# No BuildKit-only syntax (no RUN --mount), so the classic builder and docker-compose v1 build it too.

# ---- demo page's browser bundle -----------------------------------------------------------------
# The node's pom runs `npm ci` in signaling-node/src/main/demo-vendor (socket.io-client's browser
# bundle, packaged into the jar). The Maven image has no Node.js, so that install happens here, from
# the committed lock file, and the Maven build below skips its exec step (-Dexec.skip=true).
FROM node:20.18.1-bookworm-slim AS demo-vendor
WORKDIR /vendor
COPY signaling-node/src/main/demo-vendor/package.json signaling-node/src/main/demo-vendor/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# ---- build ------------------------------------------------------------------------------------
FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src

# POMs first: the dependency layer below is reused while only sources change.
COPY pom.xml ./
COPY cluster-store/pom.xml cluster-store/
COPY signaling-node/pom.xml signaling-node/
# A package run on the POMs alone (no sources yet) downloads every dependency and plugin the
# real build uses; dependency:go-offline cannot resolve this reactor (sibling modules, the
# os-detected Netty classifiers). Checked by a dry run of these steps outside Docker: the build
# step below then passes offline (-o).
RUN mvn -B -ntp -q -pl signaling-node -am package -DskipTests -DskipConformance -Dexec.skip=true

# Tests are not run here (CI runs them). cluster-store's test sources are still needed: the
# node declares its test-jar (the store contracts) as a test dependency, which Maven resolves
# even with -DskipTests. The node's own tests and the Node.js conformance suite are left out.
COPY cluster-store/src cluster-store/src
COPY signaling-node/src/main signaling-node/src/main
COPY --from=demo-vendor /vendor/node_modules signaling-node/src/main/demo-vendor/node_modules
RUN mvn -B -ntp -q -o -pl signaling-node -am package -DskipTests -DskipConformance -Dexec.skip=true \
    && cp signaling-node/target/signaling-node.jar /signaling-node.jar

# ---- run --------------------------------------------------------------------------------------
# Ubuntu 24.04 based; the image ships curl and wget (adoptium/containers), used by HEALTHCHECK.
FROM eclipse-temurin:17.0.13_11-jre

ARG APP_UID=10001
RUN groupadd --system --gid "${APP_UID}" signaling \
    && useradd --system --uid "${APP_UID}" --gid signaling --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin signaling

COPY --from=build --chown=root:root /signaling-node.jar /app/signaling-node.jar

# Container-aware JVM defaults. JDK_JAVA_OPTIONS is read by the java launcher and placed before
# the command line, so an operator replaces these by setting the variable (docker run -e,
# compose environment, Kubernetes env). The heap follows the container's memory limit.
# Nothing is written outside /tmp: the root filesystem may be mounted read-only.
# MANAGEMENT_HOST: the node's own default is 127.0.0.1; in a container the probes, the load
# balancer's health check and Prometheus come from outside it, so the image listens on every
# interface. Publish only 3001 (`-p 3001:3001`); never publish 9091 beyond the host or cluster.
ENV JDK_JAVA_OPTIONS="-XX:MaxRAMPercentage=75.0 -XX:InitialRAMPercentage=75.0 -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp" \
    HOST=0.0.0.0 \
    PORT=3001 \
    MANAGEMENT_HOST=0.0.0.0 \
    MANAGEMENT_PORT=9091 \
    LOG_FORMAT=json

USER ${APP_UID}:${APP_UID}
WORKDIR /tmp
EXPOSE 3001 9091

# Liveness only: /healthz never depends on Redis (readiness is the load balancer's business).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${MANAGEMENT_PORT}/healthz" || exit 1

# Exec form: java is PID 1 and receives SIGTERM itself (graceful drain, exit 0).
# Arguments after the image name go to the jar, e.g. `token alice "Alice"`.
ENTRYPOINT ["java", "-jar", "/app/signaling-node.jar"]
