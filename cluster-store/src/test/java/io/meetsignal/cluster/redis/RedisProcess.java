package io.meetsignal.cluster.redis;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code redis-server} process of its own on 127.0.0.1 and a fixed port, without persistence, in a temporary
 * directory; stopped by its own process handle. It can be stopped and started again on the same port.
 */
public final class RedisProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisProcess.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private final Path binary;
    private final int port;
    private final Path dir;
    private Process process;

    RedisProcess(Path binary, int port) {
        this.binary = binary;
        this.port = port;
        try {
            this.dir = Files.createTempDirectory("redis-" + port + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public synchronized boolean running() {
        return process != null && process.isAlive();
    }

    /** Starts the server (empty: nothing is persisted) and waits until it answers {@code PING}. */
    public synchronized RedisProcess start() {
        if (running()) {
            return this;
        }
        File logFile = dir.resolve("redis.log").toFile();
        try {
            process = new ProcessBuilder(List.of(
                            binary.toString(),
                            "--port",
                            Integer.toString(port),
                            "--bind",
                            "127.0.0.1",
                            "--save",
                            "",
                            "--appendonly",
                            "no",
                            "--dir",
                            dir.toString()))
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!answersPing()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String output = readQuietly(logFile.toPath());
                stop();
                throw new IllegalStateException("redis-server on port " + port + " did not start:\n" + output);
            }
            pause();
        }
        log.info("Started {} on 127.0.0.1:{} (pid {})", binary, port, process.pid());
        return this;
    }

    /** Stops the server by its process handle and waits until it is gone. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        log.info("Stopped redis-server on port {}", port);
        process = null;
    }

    @Override
    public void close() {
        stop();
    }

    private boolean answersPing() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            return "+PONG".equals(line);
        } catch (IOException e) {
            return false;
        }
    }

    private static void pause() {
        try {
            Thread.sleep(20); // polling a starting process; bounded by START_TIMEOUT
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }
}
