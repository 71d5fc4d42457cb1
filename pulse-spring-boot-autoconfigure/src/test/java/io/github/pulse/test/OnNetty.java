package io.github.pulse.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.test.context.TestPropertySource;

/**
 * Runs a {@code @SpringBootTest} on the reactive stack (WebFlux on Reactor Netty) instead of Tomcat: put on a
 * subclass of a servlet integration test, it runs the same tests against pulse on Netty, and fails the class if the
 * server that started is not Netty.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@TestPropertySource(properties = "spring.main.web-application-type=reactive")
@ExtendWith(NettyServerCheck.class)
public @interface OnNetty {

}
