package io.ambit.ztunnel.socks;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of a SOCKS5 handshake (RFC 1928), no authentication, CONNECT only: what
 * ztunnel's 15080 listener speaks to applications that reach the mesh explicitly. Strict and
 * bounded: anything that is not SOCKS5 — another version, an HTTP request sent to the port, an
 * unknown command or address type, a malformed hostname — gets the RFC's refusal where one exists
 * and the connection is closed; nothing is read beyond the fixed sizes of the protocol (a
 * hostname is at most 255 bytes). Once the request is read it fires {@link Socks5Connect} and
 * waits; {@link #reply} answers, and on success removes this handler so bytes the client
 * pipelined after the request flow on to the relay.
 */
public final class Socks5ServerHandler extends ByteToMessageDecoder {

    private static final Logger log = LoggerFactory.getLogger(Socks5ServerHandler.class);
    private static final int VERSION = 5;
    private static final int NO_AUTHENTICATION = 0x00;
    private static final int NO_ACCEPTABLE_METHOD = 0xFF;
    private static final int CONNECT = 1;

    private enum State { GREETING, REQUEST, WAITING, DONE }

    private State state = State.GREETING;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case GREETING -> greeting(ctx, in);
            case REQUEST -> request(ctx, in);
            case WAITING, DONE -> {
                // bytes the client sent after its request stay buffered until the reply
            }
        }
    }

    private void greeting(ChannelHandlerContext ctx, ByteBuf in) {
        if (in.readableBytes() < 2) {
            return;
        }
        int version = in.getUnsignedByte(in.readerIndex());
        int methods = in.getUnsignedByte(in.readerIndex() + 1);
        if (version != VERSION) {
            refuse(ctx, in, "not SOCKS5 (first byte 0x" + Integer.toHexString(version) + ")", null);
            return;
        }
        if (in.readableBytes() < 2 + methods) {
            return;
        }
        in.skipBytes(2);
        boolean noAuthOffered = false;
        for (int i = 0; i < methods; i++) {
            noAuthOffered |= in.readUnsignedByte() == NO_AUTHENTICATION;
        }
        if (!noAuthOffered) {
            refuse(ctx, in, "client offers no method this proxy accepts (only 'no authentication')",
                    new byte[] {VERSION, (byte) NO_ACCEPTABLE_METHOD});
            return;
        }
        ctx.writeAndFlush(ctx.alloc().buffer(2).writeByte(VERSION).writeByte(NO_AUTHENTICATION));
        state = State.REQUEST;
        request(ctx, in);
    }

    private void request(ChannelHandlerContext ctx, ByteBuf in) {
        if (in.readableBytes() < 5) {
            return;
        }
        int base = in.readerIndex();
        int version = in.getUnsignedByte(base);
        int command = in.getUnsignedByte(base + 1);
        int reserved = in.getUnsignedByte(base + 2);
        int addressType = in.getUnsignedByte(base + 3);
        if (version != VERSION || reserved != 0) {
            refuse(ctx, in, "malformed request header", failure(Socks5Reply.GENERAL_FAILURE));
            return;
        }
        if (command != CONNECT) {
            refuse(ctx, in, "command " + command + " is not supported (CONNECT only)", failure(Socks5Reply.COMMAND_NOT_SUPPORTED));
            return;
        }
        int addressLength = switch (addressType) {
            case 1 -> 4;
            case 4 -> 16;
            case 3 -> in.getUnsignedByte(base + 4);
            default -> -1;
        };
        if (addressLength < 0) {
            refuse(ctx, in, "address type " + addressType + " is not supported", failure(Socks5Reply.ADDRESS_TYPE_NOT_SUPPORTED));
            return;
        }
        int addressStart = base + 4 + (addressType == 3 ? 1 : 0);
        if (in.readableBytes() < addressStart - base + addressLength + 2) {
            return;
        }
        Socks5Connect connect;
        if (addressType == 3) {
            byte[] name = new byte[addressLength];
            in.getBytes(addressStart, name);
            Optional<String> host = hostname(name);
            if (host.isEmpty()) {
                refuse(ctx, in, "malformed hostname", failure(Socks5Reply.GENERAL_FAILURE));
                return;
            }
            connect = new Socks5Connect(Optional.empty(), host, in.getUnsignedShort(addressStart + addressLength));
        } else {
            byte[] raw = new byte[addressLength];
            in.getBytes(addressStart, raw);
            connect = new Socks5Connect(Optional.of(literal(raw)), Optional.empty(), in.getUnsignedShort(addressStart + addressLength));
        }
        in.readerIndex(addressStart + addressLength + 2);
        if (connect.port() == 0) {
            refuse(ctx, in, "port 0", failure(Socks5Reply.GENERAL_FAILURE));
            return;
        }
        state = State.WAITING;
        ctx.fireUserEventTriggered(connect);
    }

    /**
     * Answers the request. On success the handler steps aside: what the client sent after its
     * request, and everything after, goes to the next handler (the relay). Otherwise the
     * connection is closed after the reply.
     *
     * @param bound the address the proxy connected from, as RFC 1928 reports it
     */
    public static void reply(Channel channel, Socks5Reply reply, InetSocketAddress bound) {
        Socks5ServerHandler handler = channel.pipeline().get(Socks5ServerHandler.class);
        if (handler == null || handler.state != State.WAITING) {
            throw new IllegalStateException("no SOCKS5 request is waiting for a reply on " + channel);
        }
        handler.state = State.DONE;
        byte[] address = bound.getAddress().getAddress();
        ByteBuf answer = channel.alloc().buffer(6 + address.length)
                .writeByte(VERSION).writeByte(reply.code).writeByte(0).writeByte(address.length == 4 ? 1 : 4)
                .writeBytes(address).writeShort(bound.getPort());
        if (reply == Socks5Reply.SUCCEEDED) {
            channel.writeAndFlush(answer);
            channel.pipeline().remove(handler); // hands any pipelined bytes downstream
        } else {
            channel.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void refuse(ChannelHandlerContext ctx, ByteBuf in, String why, byte[] answer) {
        log.debug("SOCKS5 from {} refused: {}", ctx.channel().remoteAddress(), why);
        state = State.DONE;
        in.skipBytes(in.readableBytes());
        if (answer == null) {
            ctx.close();
        } else {
            ctx.writeAndFlush(ctx.alloc().buffer(answer.length).writeBytes(answer)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static byte[] failure(Socks5Reply reply) {
        return new byte[] {VERSION, (byte) reply.code, 0, 1, 0, 0, 0, 0, 0, 0};
    }

    /** A DNS name: letters, digits, '-', '.', '_' ; no empty labels; at most 253 characters. */
    static Optional<String> hostname(byte[] name) {
        if (name.length == 0 || name.length > 253) {
            return Optional.empty();
        }
        String text = new String(name, java.nio.charset.StandardCharsets.US_ASCII);
        if (!text.matches("[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\\.?")) {
            return Optional.empty();
        }
        return Optional.of(text.endsWith(".") ? text.substring(0, text.length() - 1) : text);
    }

    private static InetAddress literal(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e); // 4 or 16 bytes always form an address
        }
    }
}
