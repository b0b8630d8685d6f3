package example;

import io.github.example.cdk.opensearch.lifecycle.InboundConnectionDeletion;
import io.github.example.cdk.opensearch.lifecycle.InboundConnectionRejection;
import io.github.example.cdk.opensearch.lifecycle.PackageDissociation;
import java.util.List;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.opensearchservice.Domain;
import software.amazon.awscdk.services.opensearchservice.DomainAttributes;
import software.amazon.awscdk.services.opensearchservice.IDomain;

/** The README's example app, in Java; synthesizes into the folder named by the first argument. */
public final class App {
    public static void main(final String[] args) {
        software.amazon.awscdk.App app = new software.amazon.awscdk.App(AppProps.builder().outdir(args[0]).build());
        Stack stack = new Stack(app, "SearchCleanup", StackProps.builder()
                .env(Environment.builder().account("111111111111").region("eu-west-1").build())
                .build());

        IDomain logs = Domain.fromDomainAttributes(stack, "Logs", DomainAttributes.builder()
                .domainArn("arn:aws:es:eu-west-1:111111111111:domain/logs-destination")
                .domainEndpoint("https://search-logs-destination-abc123.eu-west-1.es.amazonaws.com")
                .build());

        InboundConnectionRejection.Builder.create(stack, "RejectUnknownSource")
                .connectionId("cc-0123456789abcdef")
                .domain(logs)
                .build();
        InboundConnectionDeletion.Builder.create(stack, "EndPartnerSearch")
                .connectionId("cc-fedcba9876543210")
                .domain(logs)
                .timeout(Duration.minutes(15))
                .build();
        PackageDissociation.Builder.create(stack, "Dictionaries")
                .domain(logs)
                .packageIds(List.of("F123456789", "pkg-0a1b2c3d4e5f"))
                .timeout(Duration.minutes(45))
                .build();

        app.synth();
    }
}
