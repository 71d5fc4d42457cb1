/**
 * Bridge between Spring WebSocket and the pulse session engine.
 */
@NullMarked
package io.github.pulse.web;

import org.jspecify.annotations.NullMarked;
