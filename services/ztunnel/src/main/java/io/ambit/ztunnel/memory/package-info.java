/**
 * ztunnel's process-level memory settings that no JVM flag covers (issue 12: RSS under load and
 * idle with 100 pods); measured with {@code bench/ztunnel-mem.py}, results in bench/README.md.
 */
package io.ambit.ztunnel.memory;
