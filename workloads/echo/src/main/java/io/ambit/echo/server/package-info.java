/**
 * The echo server: {@link io.ambit.echo.server.EchoServer} binds four listeners on one Netty event
 * loop group. {@code HttpEchoInitializer} (HTTP/1.1 and h2c) feeds {@code Http1EchoHandler} and
 * {@code Http2StreamEchoHandler}, which both answer with {@code EchoReply}; {@code TcpEchoHandler}
 * echoes bytes with backpressure and half-close, behind {@code ServerFirstBanner} on the
 * server-first port; {@code GrpcEchoService} serves gRPC.
 */
package io.ambit.echo.server;
