package io.meetsignal.loadtest;

import java.util.Map;

/** Stand-ins for what browsers put into signals: an SDP of a given size and ICE candidates. */
final class Signals {

    private Signals() {}

    /** An {@code RTCSessionDescriptionInit} of roughly {@code bytes} bytes (a real one is 2–6 KB). */
    static Map<String, Object> sdp(String type, int bytes) {
        StringBuilder sdp = new StringBuilder("v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
                + "a=group:BUNDLE 0 1\r\na=msid-semantic: WMS load-test\r\n");
        int line = 0;
        while (sdp.length() < bytes) {
            sdp.append("a=ssrc:").append(1_000_000 + line++).append(" cname:loadtestloadtest\r\n");
        }
        return Map.of("type", type, "sdp", sdp.toString());
    }

    /** An {@code RTCIceCandidateInit} (host candidate on a documentation address). */
    static Map<String, Object> candidate(int index) {
        return Map.of(
                "candidate",
                "candidate:" + (842163049 + index) + " 1 udp 1677729535 192.0.2." + (10 + index) + " " + (50000 + index)
                        + " typ host generation 0 ufrag lt network-cost 999",
                "sdpMid",
                "0",
                "sdpMLineIndex",
                0);
    }
}
