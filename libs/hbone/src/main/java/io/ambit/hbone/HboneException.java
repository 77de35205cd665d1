package io.ambit.hbone;

import java.io.IOException;

/**
 * Why an HBONE tunnel could not be opened. Sealed: a caller (ztunnel's outbound path, the
 * waypoint) decides per case: the peer answered with a status ({@link TunnelRefusedException}),
 * or the connection or stream broke before an answer ({@link HboneConnectionException}).
 */
public abstract sealed class HboneException extends IOException
        permits TunnelRefusedException, HboneConnectionException {

    HboneException(String message, Throwable cause) {
        super(message, cause);
    }
}
