package io.ambit.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * Closes a connection whose TLS 1.3 handshake settled on anything but AES-GCM. BoringSSL cannot be
 * told to disable TLS 1.3 suites (it keeps ChaCha20-Poly1305 on, whatever the context says) and
 * does not report the suite before the handshake ends, so the mesh's "AES-GCM only" rule is
 * enforced here, right behind the {@link SslHandler}: no byte of application data passes a
 * connection on another suite. Place one instance per channel directly after the SslHandler.
 */
public final class AesGcmOnly extends ChannelInboundHandlerAdapter {

    private boolean refused;

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done && done.isSuccess()) {
            String suite = ctx.pipeline().get(SslHandler.class).engine().getSession().getCipherSuite();
            if (!MeshTls.CIPHERS.contains(suite)) {
                refused = true;
                ctx.fireExceptionCaught(new DisallowedCipherSuiteException(suite));
                ctx.close();
                return;
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        super.channelRead(ctx, msg);
    }

    /** The peer negotiated a suite outside {@link MeshTls#CIPHERS}. */
    public static final class DisallowedCipherSuiteException extends javax.net.ssl.SSLException {
        DisallowedCipherSuiteException(String suite) {
            super("peer negotiated " + suite + "; the mesh allows only " + MeshTls.CIPHERS);
        }
    }
}
