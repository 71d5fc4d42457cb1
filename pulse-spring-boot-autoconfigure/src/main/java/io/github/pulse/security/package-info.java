/**
 * Spring Security integration: client-side room joins decided by an {@code AuthorizationManager}. Needs
 * {@code spring-security-core} on the class path.
 */
@NullMarked
package io.github.pulse.security;

import org.jspecify.annotations.NullMarked;
