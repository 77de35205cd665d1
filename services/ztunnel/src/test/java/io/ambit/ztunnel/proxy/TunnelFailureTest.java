package io.ambit.ztunnel.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.util.concurrent.CompletionException;

import javax.net.ssl.SSLHandshakeException;

import io.ambit.hbone.HboneConnectionException;
import io.ambit.hbone.TunnelRefusedException;
import io.ambit.identity.SpiffeId;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import org.junit.jupiter.api.Test;

/** The response flag of an outbound tunnel that failed, from its error, as ztunnel's extract_failure_reason. */
class TunnelFailureTest {

    @Test
    void eachFailureGetsZtunnelsFlag() {
        SpiffeId sleep = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/sleep");
        assertThat(TunnelFailure.responseFlags(new CompletionException(
                new NoCertificateException(sleep, new IllegalStateException("CA unavailable"))))).isEqualTo("IDENTITY_ERROR");
        assertThat(TunnelFailure.responseFlags(new TunnelRefusedException("10.0.0.1:80", 401))).isEqualTo("DENY");
        assertThat(TunnelFailure.responseFlags(new TunnelRefusedException("10.0.0.1:80", 503))).isEqualTo("CONNECT");
        assertThat(TunnelFailure.responseFlags(new HboneConnectionException("handshake",
                new SSLHandshakeException("server proved spiffe://cluster.local/ns/demo/sa/other")))).isEqualTo("TLS_FAILURE");
        assertThat(TunnelFailure.responseFlags(new HboneConnectionException("stream",
                Http2Exception.connectionError(Http2Error.PROTOCOL_ERROR, "bad frame")))).isEqualTo("H2_HANDSHAKE_FAILURE");
        assertThat(TunnelFailure.responseFlags(new HboneConnectionException("cannot connect",
                new ConnectException("Connection refused")))).isEqualTo("CONNECT");
    }
}
