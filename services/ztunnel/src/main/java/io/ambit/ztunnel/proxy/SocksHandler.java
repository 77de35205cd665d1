package io.ambit.ztunnel.proxy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;

import io.ambit.ztunnel.socks.Socks5Connect;
import io.ambit.ztunnel.socks.Socks5Reply;
import io.ambit.ztunnel.socks.Socks5ServerHandler;
import io.ambit.ztunnel.state.NetworkAddress;
import io.ambit.ztunnel.state.Service;
import io.ambit.ztunnel.state.StateSnapshot;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The pod's SOCKS5 listener (15080, loopback): the application names its destination itself, as
 * an IP or as a service host name ({@code echo.demo.svc.cluster.local}, resolved from ztunnel's
 * state to the service's VIP, never through DNS); then it goes {@link Outbound} like a captured
 * connection, and the SOCKS5 reply tells the application whether it got through.
 */
final class SocksHandler extends ChannelInboundHandlerAdapter {

    /** The bound address a refusal reports: none. */
    private static final InetSocketAddress NOWHERE = new InetSocketAddress("0.0.0.0", 0);

    private final Outbound outbound;
    private final ProxyContext context;

    SocksHandler(Outbound outbound, ProxyContext context) {
        this.outbound = outbound;
        this.context = context;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof Socks5Connect connect)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        ctx.channel().config().setAutoRead(false); // the relay reads from here on
        ctx.pipeline().remove(this);
        Optional<InetAddress> address = connect.address().or(() -> connect.host().flatMap(this::serviceVip));
        if (address.isEmpty()) {
            Socks5ServerHandler.reply(ctx.channel(), Socks5Reply.HOST_UNREACHABLE, NOWHERE);
            return;
        }
        outbound.forward(ctx.channel(), new InetSocketAddress(address.get(), connect.port()), new Outbound.Progress() {
            @Override
            public void ready(InetSocketAddress boundFrom) {
                Socks5ServerHandler.reply(ctx.channel(), Socks5Reply.SUCCEEDED, boundFrom);
            }

            @Override
            public void failed(Outbound.Failure failure, String reason) {
                Socks5ServerHandler.reply(ctx.channel(), switch (failure) {
                    case UNREACHABLE -> Socks5Reply.HOST_UNREACHABLE;
                    case DENIED -> Socks5Reply.NOT_ALLOWED;
                    case REFUSED -> Socks5Reply.CONNECTION_REFUSED;
                }, NOWHERE);
            }
        });
    }

    /** A mesh service by its host name: its first local VIP. */
    private Optional<InetAddress> serviceVip(String host) {
        StateSnapshot state = context.state().snapshot();
        return state.services().stream()
                .filter(s -> s.hostname().equalsIgnoreCase(host))
                .map(Service::vips).flatMap(java.util.List::stream)
                .filter(NetworkAddress::local).map(NetworkAddress::address)
                .findFirst();
    }
}
