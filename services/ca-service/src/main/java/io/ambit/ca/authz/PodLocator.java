package io.ambit.ca.authz;

/** Answers the node rule's question: does a pod with this service account run on that node? */
@FunctionalInterface
public interface PodLocator {

    boolean runsOnNode(String node, String namespace, String serviceAccount);
}
