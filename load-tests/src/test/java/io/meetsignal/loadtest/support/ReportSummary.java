package io.meetsignal.loadtest.support;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prints the per-request statistics table of a Gatling HTML report (count, failures, p50, p95, p99,
 * max) as plain text, because Gatling's console summary only shows the global figures. Standalone
 * (JDK only), so scripts can run it with the source launcher:
 * {@code java load-tests/src/test/java/io/meetsignal/loadtest/support/ReportSummary.java REPORT_DIR...}.
 * With {@code --timeline "offer -> answer"} it also prints that request's p50 and p99 per second, to
 * see where the response time leaves the floor (the knee) as the load ramps up.
 */
public final class ReportSummary {

    private static final Pattern ROW = Pattern.compile("<tr id=\"req_[^\"]*\"[^>]*>(.*?)</tr>", Pattern.DOTALL);
    private static final Pattern NAME = Pattern.compile("class=\"ellipsed-name\">(.*?)</span>", Pattern.DOTALL);
    private static final Pattern CELL = Pattern.compile("<td class=\"value (?:total|ok|ko) col-(\\d+)\">([^<]*)</td>");

    private static final Pattern ASSERTION =
            Pattern.compile("<td class=\"error-col-1[^\"]*\">\\s*([^<]*?)\\s*<span[^>]*>[^<]*</span>\\s*</td>\\s*"
                    + "<td class=\"error-col-2[^\"]*\">([^<]*)</td>");

    private ReportSummary() {}

    public static void main(String[] args) throws IOException {
        List<String> timelines = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--timeline") && i + 1 < args.length) {
                timelines.add(args[++i]);
            } else {
                dirs.add(Path.of(args[i]));
            }
        }
        if (dirs.isEmpty()) {
            System.err.println("usage: ReportSummary [--timeline REQUEST_NAME]... REPORT_DIR...");
            System.exit(2);
        }
        for (Path dir : dirs) {
            print(dir);
            for (String request : timelines) {
                timeline(dir, request);
            }
        }
    }

    /** Per second of the run: responses of one request, their median and 99th percentile. */
    private static void timeline(Path dir, String request) throws IOException {
        String title = "<title>Gatling Stats - " + escape(request) + "</title>";
        Path page = null;
        try (DirectoryStream<Path> pages = Files.newDirectoryStream(dir, "req_*.html")) {
            for (Path candidate : pages) {
                if (Files.readString(candidate).contains(title)) {
                    page = candidate;
                }
            }
        }
        if (page == null) {
            System.out.println("  no timeline for '" + request + "'");
            return;
        }
        String html = Files.readString(page);
        List<Long[]> p50 = series(html, "50%");
        List<Long[]> p99 = series(html, "99%");
        List<Long[]> responses = series(html, "All", html.indexOf("Number of responses per second"));
        System.out.printf("  timeline of '%s': second, UTC time, responses/s, p50 ms, p99 ms%n", request);
        long start = p50.isEmpty() ? 0 : p50.get(0)[0];
        for (int i = 0; i < p99.size(); i++) {
            if (p99.get(i)[1] == null) {
                continue;
            }
            Long count = i < responses.size() ? responses.get(i)[1] : null;
            long at = p99.get(i)[0];
            System.out.printf(
                    "    %4d %s %7s %6s %6s%n",
                    (at - start) / 1000,
                    java.time.Instant.ofEpochMilli(at).toString().substring(11, 19),
                    count,
                    p50.get(i)[1],
                    p99.get(i)[1]);
        }
    }

    private static List<Long[]> series(String html, String name) {
        return series(html, name, 0);
    }

    private static List<Long[]> series(String html, String name, int from) {
        List<Long[]> points = new ArrayList<>();
        if (from < 0) {
            return points;
        }
        Matcher data = Pattern.compile("name: '" + Pattern.quote(name) + "',\\s*data: \\[(.*?)\\]\\],", Pattern.DOTALL)
                .matcher(html);
        if (!data.find(from)) {
            return points;
        }
        Matcher point = Pattern.compile("\\[(\\d+), (\\w+)").matcher(data.group(1));
        while (point.find()) {
            String value = point.group(2);
            points.add(
                    new Long[] {Long.parseLong(point.group(1)), value.equals("null") ? null : Long.parseLong(value)});
        }
        return points;
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace(">", "&gt;")
                .replace("<", "&lt;")
                .replace("'", "&#39;");
    }

    private static void print(Path dir) throws IOException {
        Path index = dir.resolve("index.html");
        if (!Files.isRegularFile(index)) {
            System.out.println(dir + ": no index.html (no report)");
            return;
        }
        String html = Files.readString(index);
        System.out.println(dir.getFileName());
        System.out.printf(
                "  %-36s %8s %6s %7s %7s %7s %7s%n", "request", "count", "KO", "p50 ms", "p95 ms", "p99 ms", "max ms");
        Matcher row = ROW.matcher(html);
        while (row.find()) {
            String body = row.group(1);
            Matcher name = NAME.matcher(body);
            if (!name.find()) {
                continue;
            }
            String[] cells = new String[15];
            Matcher cell = CELL.matcher(body);
            while (cell.find()) {
                int col = Integer.parseInt(cell.group(1));
                if (col < cells.length) {
                    cells[col] = cell.group(2).trim();
                }
            }
            // columns: 2 total, 3 ok, 4 ko, 5 % ko, 6 rps, 7 min, 8 p50, 9 p75, 10 p95, 11 p99, 12 max
            System.out.printf(
                    "  %-36s %8s %6s %7s %7s %7s %7s%n",
                    unescape(name.group(1)), cells[2], cells[4], cells[8], cells[10], cells[11], cells[12]);
        }
        Matcher assertion = ASSERTION.matcher(html);
        while (assertion.find()) {
            System.out.println("  assertion " + assertion.group(2) + ": "
                    + unescape(assertion.group(1).strip()));
        }
    }

    private static String unescape(String text) {
        return text.replace("&gt;", ">")
                .replace("&lt;", "<")
                .replace("&#39;", "'")
                .replace("&quot;", "\"")
                .replace("&amp;", "&");
    }
}
