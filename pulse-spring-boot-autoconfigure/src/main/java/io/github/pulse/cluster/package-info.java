/**
 * Scale-out on Redis: cross-node broadcasts, a connection directory for send and kick by id, and cluster counts.
 */
@NullMarked
package io.github.pulse.cluster;

import org.jspecify.annotations.NullMarked;
