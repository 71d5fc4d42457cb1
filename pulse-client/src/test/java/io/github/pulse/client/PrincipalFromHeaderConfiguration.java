package io.github.pulse.client;

import io.github.pulse.test.PrincipalFromHeader;
import jakarta.servlet.Filter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The handshake's principal from the {@code X-User} header; the default connect handler then makes its name the
 * connection's user.
 */
@Configuration(proxyBeanMethods = false)
class PrincipalFromHeaderConfiguration {

	@Bean
	Filter principalFromHeaderFilter() {
		return new PrincipalFromHeader();
	}

}
