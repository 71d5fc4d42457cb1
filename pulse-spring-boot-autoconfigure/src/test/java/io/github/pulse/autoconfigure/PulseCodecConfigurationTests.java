package io.github.pulse.autoconfigure;

import io.github.pulse.codec.Jackson2PulseCodec;
import io.github.pulse.codec.JacksonPulseCodec;
import io.github.pulse.codec.PulseCodec;
import io.github.pulse.core.SessionManager;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.module.SimpleModule;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which codec the engine gets: Jackson 3 on the application's {@code JsonMapper}, Jackson 2 only where it is alone,
 * the application's own codec over both.
 */
class PulseCodecConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, PulseAutoConfiguration.class));

	@Test
	void withJackson3TheCodecUsesTheContextsJsonMapperAndItsCustomizers() {
		this.contextRunner.withUserConfiguration(SnakeCaseAndMoney.class)
			.withPropertyValues("spring.jackson.serialization.indent-output=false")
			.run((context) -> {
				PulseCodec codec = context.getBean(PulseCodec.class);
				assertThat(codec).isInstanceOf(JacksonPulseCodec.class);
				assertThat(context.getBean(SessionManager.class).codec()).isSameAs(codec);
				assertThat(codec.encodePayload(new Order("o-1", new Money(1250))))
					.isEqualTo("{\"order_id\":\"o-1\",\"total_price\":\"12.50 EUR\"}");
				Object payload = codec.decode("{\"type\":\"message\",\"event\":\"o\",\"payload\":"
						+ "{\"order_id\":\"o-2\",\"total_price\":null}}").payload();
				assertThat(codec.convert(payload, Order.class)).isEqualTo(new Order("o-2", null));
			});
	}

	@Test
	void withJackson3AndNoJsonMapperBeanTheCodecUsesADefaultMapper() {
		new WebApplicationContextRunner().withConfiguration(AutoConfigurations.of(PulseAutoConfiguration.class))
			.run((context) -> {
				PulseCodec codec = context.getBean(PulseCodec.class);
				assertThat(codec).isInstanceOf(JacksonPulseCodec.class);
				assertThat(codec.encodePayload(new Order("o-1", null)))
					.isEqualTo("{\"orderId\":\"o-1\",\"totalPrice\":null}");
			});
	}

	@Test
	void withOnlyJackson2TheCodecIsTheJackson2One() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("tools.jackson"))
			.withUserConfiguration(Jackson2Mapper.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				PulseCodec codec = context.getBean(PulseCodec.class);
				assertThat(codec).isInstanceOf(Jackson2PulseCodec.class);
				// on the context's ObjectMapper
				assertThat(codec.encodePayload(new Order("o-1", null))).isEqualTo("{\"order_id\":\"o-1\"}");
			});
	}

	@Test
	void withOnlyJackson2AndNoObjectMapperBeanTheJackson2CodecUsesADefaultMapper() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("tools.jackson")).run((context) -> {
			PulseCodec codec = context.getBean(PulseCodec.class);
			assertThat(codec).isInstanceOf(Jackson2PulseCodec.class);
			assertThat(codec.encodePayload(new Order("o-1", null)))
				.isEqualTo("{\"orderId\":\"o-1\",\"totalPrice\":null}");
		});
	}

	@Test
	void theApplicationsCodecReplacesBoth() {
		this.contextRunner.withUserConfiguration(OwnCodec.class).run((context) -> {
			assertThat(context).hasSingleBean(PulseCodec.class);
			assertThat(context.getBean(PulseCodec.class)).isSameAs(OwnCodec.CODEC);
		});
		this.contextRunner.withClassLoader(new FilteredClassLoader("tools.jackson"))
			.withUserConfiguration(OwnCodec.class)
			.run((context) -> assertThat(context.getBean(PulseCodec.class)).isSameAs(OwnCodec.CODEC));
	}

	@Test
	void withNeitherJacksonNorACodecStartupFailsForWantOfACodec() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("tools.jackson", "com.fasterxml.jackson.databind"))
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining(PulseCodec.class.getName()));
	}

	record Order(String orderId, Money totalPrice) {
	}

	record Money(long cents) {
	}

	@Configuration(proxyBeanMethods = false)
	static class SnakeCaseAndMoney {

		@Bean
		JsonMapperBuilderCustomizer snakeCaseAndMoney() {
			return (builder) -> builder.propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
				.addModule(new SimpleModule().addSerializer(Money.class, new ValueSerializer<Money>() {

					@Override
					public void serialize(Money value, JsonGenerator generator, SerializationContext context) {
						generator.writeString(String.format("%d.%02d EUR", value.cents() / 100, value.cents() % 100));
					}

				}));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Jackson2Mapper {

		@Bean
		com.fasterxml.jackson.databind.ObjectMapper objectMapper() {
			return new com.fasterxml.jackson.databind.ObjectMapper()
				.setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE)
				.setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OwnCodec {

		static final PulseCodec CODEC = new JacksonPulseCodec();

		@Bean
		PulseCodec myCodec() {
			return CODEC;
		}

	}

}
