package io.meetsignal.loadtest.support;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Named run parameters from system properties ({@code -Dname=value}), each with a default for the
 * {@code smoke} and one for the {@code full} profile ({@code -Dprofile=smoke|full}, default smoke).
 * Every value used is printed at start, so a report always says what produced it.
 */
public final class Params {

    private final String simulation;
    private final boolean full;
    private final Map<String, String> used = new TreeMap<>();

    public Params(String simulation) {
        this.simulation = simulation;
        String profile = System.getProperty("profile", "smoke").trim().toLowerCase(Locale.ROOT);
        if (!profile.equals("smoke") && !profile.equals("full")) {
            throw new IllegalArgumentException("-Dprofile must be smoke or full, got '" + profile + "'");
        }
        this.full = profile.equals("full");
        used.put("profile", profile);
    }

    public boolean full() {
        return full;
    }

    public String string(String name, String defaultValue) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            value = defaultValue;
        }
        used.put(name, value);
        return value;
    }

    public int integer(String name, int smoke, int full) {
        String raw = string(name, Integer.toString(this.full ? full : smoke));
        try {
            return Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + name + " must be an integer, got '" + raw + "'");
        }
    }

    public double decimal(String name, double smoke, double full) {
        String raw = string(name, Double.toString(this.full ? full : smoke));
        try {
            return Double.parseDouble(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + name + " must be a number, got '" + raw + "'");
        }
    }

    public Duration seconds(String name, int smoke, int full) {
        return Duration.ofSeconds(integer(name, smoke, full));
    }

    public Duration millis(String name, int smoke, int full) {
        return Duration.ofMillis(integer(name, smoke, full));
    }

    /** Records a derived value (not a parameter) for the printout. */
    public void note(String name, Object value) {
        used.put(name, String.valueOf(value));
    }

    public void print() {
        StringBuilder out = new StringBuilder("load-tests: " + simulation + " with");
        used.forEach((name, value) -> out.append("\n  ")
                .append(name)
                .append(" = ")
                .append(
                        name.toLowerCase(Locale.ROOT).contains("secret") && !value.isEmpty() && !value.startsWith("(")
                                ? "(set)"
                                : value));
        System.out.println(out);
    }
}
