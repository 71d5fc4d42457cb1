/**
 * Spring Boot auto-configuration and configuration properties of pulse.
 */
@NullMarked
package io.github.pulse.autoconfigure;

import org.jspecify.annotations.NullMarked;
