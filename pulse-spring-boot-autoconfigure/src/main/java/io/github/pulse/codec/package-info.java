/**
 * Frame codecs: how the JSON wire protocol is read and written.
 */
@NullMarked
package io.github.pulse.codec;

import org.jspecify.annotations.NullMarked;
