package io.ambit.ztunnel.capture;

import io.ambit.ztunnel.state.Workload;

/**
 * How ztunnel takes a pod on: in its network namespace with redirect rules ({@link InPodAttacher},
 * Istio's in-pod mode), or on the host at the pod's own loopback address ({@link HostAttacher}, for
 * machines where ztunnel cannot enter namespaces: applications then reach it through SOCKS5).
 */
public interface PodAttacher {

    /** Serves the pod now. @throws NotYet when it cannot (yet), saying why */
    Attachment attach(Workload workload) throws NotYet;

    /** One pod as served. */
    interface Attachment {
        CapturedPod pod();

        /** The pod left the mesh: stop redirecting it, close its listeners. */
        void release();

        /** ztunnel stops: close its listeners but leave any redirection, so the pod fails closed. */
        void stop();

        static Attachment of(CapturedPod pod, Runnable release, Runnable stop) {
            return new Attachment() {
                @Override
                public CapturedPod pod() {
                    return pod;
                }

                @Override
                public void release() {
                    release.run();
                }

                @Override
                public void stop() {
                    stop.run();
                }
            };
        }
    }

    /** The pod cannot be served yet (e.g. its namespace does not exist yet); retried later. */
    final class NotYet extends Exception {
        public NotYet(String reason) {
            super(reason);
        }
    }
}
