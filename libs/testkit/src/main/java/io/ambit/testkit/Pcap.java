package io.ambit.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the TCP segments of a classic pcap file written by tcpdump on an Ethernet link (IPv4
 * only): enough to check what crossed the wire, without a dissector installed.
 */
public final class Pcap {

    /** One TCP segment with its payload. */
    public record Segment(int sourcePort, int destinationPort, byte[] payload) {
    }

    public static List<Segment> tcpSegments(Path file) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file));
        int magic = in.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
            in.order(ByteOrder.BIG_ENDIAN);
        }
        int linkType = in.getInt(20);
        if (linkType != 1) {
            throw new IOException("expected an Ethernet capture, link type is " + linkType);
        }
        List<Segment> segments = new ArrayList<>();
        int position = 24;
        while (position + 16 <= in.limit()) {
            int captured = in.getInt(position + 8);
            int frame = position + 16;
            position = frame + captured;
            if (position > in.limit() || captured < 14 + 20) {
                break;
            }
            ByteBuffer packet = ByteBuffer.wrap(in.array(), frame, captured).slice().order(ByteOrder.BIG_ENDIAN);
            if (packet.getShort(12) != 0x0800) {
                continue; // not IPv4
            }
            int ipStart = 14;
            int ipHeader = (packet.get(ipStart) & 0x0f) * 4;
            int totalLength = packet.getShort(ipStart + 2) & 0xffff;
            if (packet.get(ipStart + 9) != 6) {
                continue; // not TCP
            }
            int tcpStart = ipStart + ipHeader;
            int sourcePort = packet.getShort(tcpStart) & 0xffff;
            int destinationPort = packet.getShort(tcpStart + 2) & 0xffff;
            int tcpHeader = ((packet.get(tcpStart + 12) >> 4) & 0x0f) * 4;
            int payloadStart = tcpStart + tcpHeader;
            int payloadEnd = Math.min(ipStart + totalLength, captured);
            byte[] payload = new byte[Math.max(0, payloadEnd - payloadStart)];
            packet.get(payloadStart, payload);
            segments.add(new Segment(sourcePort, destinationPort, payload));
        }
        return segments;
    }

    public static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private Pcap() {
    }
}
