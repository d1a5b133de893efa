package io.meetsignal.node.ops;

import io.meetsignal.node.protocol.ErrorCode;
import io.meetsignal.node.session.SessionRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's meters, exposed in Prometheus text format. Event tags are limited to the protocol's own
 * event names, so a client cannot grow the number of series.
 */
public final class Metrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Counter> received = new ConcurrentHashMap<>();
    private final Map<String, Counter> sent = new ConcurrentHashMap<>();
    private final Map<String, Timer> handlers = new ConcurrentHashMap<>();
    private final Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);
    private final Map<String, Counter> refusedHandshakes = new ConcurrentHashMap<>();
    private final Set<String> knownEvents;
    private final JvmHeapPressureMetrics heapPressure = new JvmHeapPressureMetrics();
    private volatile Gauge heapAfterGc;
    private final Counter eventQueueFull;

    public Metrics(Set<String> knownEvents, SessionRegistry sessions) {
        this.knownEvents = Set.copyOf(knownEvents);
        Gauge.builder("signaling.sockets.connected", sessions, SessionRegistry::connectedCount)
                .description("Authenticated sockets on this node with an open transport")
                .register(registry);
        Gauge.builder("signaling.sessions.detached", sessions, SessionRegistry::detachedCount)
                .description("Sessions whose transport dropped, held for recovery (RECOVERY_WINDOW)")
                .register(registry);
        Gauge.builder("signaling.participants.seated", sessions, SessionRegistry::seatedCount)
                .description("Sockets of this node holding a seat")
                .register(registry);
        Gauge.builder("signaling.rooms.active", sessions, SessionRegistry::roomCount)
                .description("Rooms with at least one seat on this node")
                .register(registry);
        for (ErrorCode code : ErrorCode.values()) {
            errors.put(
                    code,
                    Counter.builder("signaling.errors")
                            .tag("code", code.name())
                            .description("Refused actions by error code")
                            .register(registry));
        }
        eventQueueFull = Counter.builder("signaling.events.queue.full")
                .description("Events refused (RATE_LIMITED) because their socket had the most events in progress")
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        heapPressure.bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    /**
     * Share (0-1) of the long-lived heap pool used after the last garbage collection
     * ({@code jvm.memory.usage.after.gc}); NaN before the first one.
     */
    public double heapUsedAfterGc() {
        Gauge gauge = heapAfterGc;
        if (gauge == null) {
            gauge = heapAfterGc = registry.find("jvm.memory.usage.after.gc").gauge();
        }
        return gauge == null ? Double.NaN : gauge.value();
    }

    public void close() {
        heapPressure.close();
    }

    /** Exposes the event loops' lag (the overload signal) and the admission rate it sets. */
    public void overload(LoopLag lag, Admission admission) {
        Gauge.builder("signaling.event.loop.lag", lag, LoopLag::lagMillis)
                .baseUnit("milliseconds")
                .description("How late the most delayed event loop runs its probe")
                .register(registry);
        Gauge.builder("signaling.handshakes.admitted.rate", admission, Admission::rate)
                .description("New handshakes admitted per second (+Inf while not limited)")
                .register(registry);
    }

    /** A new handshake refused before it started, by reason ({@code draining} or {@code overloaded}). */
    /** A connection closed because it did not read what the node had queued for it (PROTOCOL.md §7). */
    public void slowConsumerClosed() {
        Counter.builder("signaling.slow.consumers.closed")
                .description("Connections closed because they left more than the bound unread")
                .register(registry)
                .increment();
    }

    /** An HTTP request not executed: answered 400 (malformed) or 413 (body too large), by reason (PROTOCOL.md §7). */
    public void httpRequestDropped(String reason) {
        Counter.builder("signaling.http.requests.dropped")
                .tag("reason", reason)
                .description("HTTP requests answered 400 or 413 without being executed, by reason")
                .register(registry)
                .increment();
    }

    public void handshakeRefused(String reason) {
        refusedHandshakes
                .computeIfAbsent(
                        reason,
                        name -> Counter.builder("signaling.handshakes.refused")
                                .tag("reason", name)
                                .description("New handshakes refused before they started (draining: 503, per-ip: 429)")
                                .register(registry))
                .increment();
    }

    private String tag(String event) {
        return knownEvents.contains(event) ? event : "unknown";
    }

    public void received(String event) {
        received.computeIfAbsent(
                        tag(event),
                        name -> Counter.builder("signaling.events.received")
                                .tag("event", name)
                                .description("Events received from clients")
                                .register(registry))
                .increment();
    }

    public void sent(String event) {
        sent.computeIfAbsent(
                        event,
                        name -> Counter.builder("signaling.events.sent")
                                .tag("event", name)
                                .description("Events sent to clients")
                                .register(registry))
                .increment();
    }

    /** An event refused because its socket already had as many events in progress as it may (RATE_LIMITED). */
    public void eventQueueFull() {
        eventQueueFull.increment();
    }

    public void error(ErrorCode code) {
        errors.get(code).increment();
    }

    public Timer handler(String event) {
        return handlers.computeIfAbsent(
                tag(event),
                name -> Timer.builder("signaling.handler")
                        .tag("event", name)
                        .description("Time from an event's arrival to its answer")
                        .publishPercentileHistogram()
                        .register(registry));
    }

    public MeterRegistry registry() {
        return registry;
    }

    public String scrape() {
        return registry.scrape();
    }
}
