using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NJsonSchema;
using ServerlessScreening.Pipeline.Results;
using ServerlessScreening.Verdicts;

namespace ServerlessScreening.Pipeline.Tests;

/// <summary>
/// The Service Bus adapter, tested with the SDK's own test support: a <see cref="ServiceBusSender"/> subclass (the SDK
/// keeps a protected constructor for this) records what would be sent, and <see cref="ServiceBusModelFactory"/> builds
/// the message a subscriber would receive. No broker runs here, so delivery, duplicate detection and subscription
/// filters themselves are not exercised (README, "What is verified").
/// </summary>
public sealed class ServiceBusPublisherTests
{
    [Fact]
    public async Task Events_go_out_with_message_id_subject_and_filterable_properties()
    {
        var sender = new RecordingSender();
        var publisher = new ServiceBusResultPublisher(sender);
        var resultEvent = Event("site-001", "P0001", Outcomes.NeedsReview);

        await publisher.PublishAsync(resultEvent, CancellationToken.None);

        var message = Assert.Single(sender.Sent);
        Assert.Equal(resultEvent.Id, message.MessageId);
        Assert.Equal(Outcomes.NeedsReview, message.Subject);
        Assert.Equal("site-001", message.ApplicationProperties[ServiceBusResultPublisher.SiteProperty]);
        Assert.Equal(Outcomes.NeedsReview, message.ApplicationProperties[ServiceBusResultPublisher.OutcomeProperty]);
        Assert.StartsWith("application/cloudevents+json", message.ContentType, StringComparison.Ordinal);
        var schema = await JsonSchema.FromFileAsync(Path.Combine(AzuriteFixture.Repository, "schemas", "result-event.schema.json"));
        Assert.Empty(schema.Validate(message.Body.ToString()));
    }

    [Fact]
    public void A_subscriber_receives_the_event_and_its_properties()
    {
        var sent = ServiceBusResultPublisher.ToMessage(Event("site-002", "P7", Outcomes.Ineligible));

        var received = ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: sent.Body,
            messageId: sent.MessageId,
            subject: sent.Subject,
            contentType: sent.ContentType,
            properties: sent.ApplicationProperties);

        var data = Newtonsoft.Json.Linq.JObject.Parse(received.Body.ToString())["data"]!;
        Assert.Equal("P7", data["patientId"]!.ToString());
        Assert.Equal(["INC02"], data["failed"]!.Select(t => t.ToString()));
        Assert.Equal(Outcomes.Ineligible, received.ApplicationProperties["outcome"]);
    }

    [Fact]
    public void The_same_verdict_change_gives_the_same_message_id_and_a_change_back_a_new_one()
    {
        var a = ResultEvent.IdOf(null, new string('a', 64));
        var b = ResultEvent.IdOf(a, new string('b', 64));

        Assert.Equal(a, ResultEvent.IdOf(null, new string('a', 64)));
        Assert.NotEqual(ResultEvent.IdOf(new string('b', 64), new string('a', 64)), a);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void The_transport_setting_selects_the_service_bus_adapter()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ScreeningStorage"] = "UseDevelopmentStorage=true",
            ["Screening:ProtocolPath"] = Path.Combine(AzuriteFixture.Repository, "protocols", "lupus-nephritis-ucmsc-il2.protocol.json"),
            ["Screening:DefaultScreeningDate"] = "2025-06-01",
            ["Screening:PseudonymKey"] = Convert.ToBase64String(new byte[32]),
            ["Results:Transport"] = "ServiceBus",
            ["Results:ServiceBusNamespace"] = "screening-example.servicebus.windows.net",
        }).Build();
        using var services = new ServiceCollection().AddLogging(l => l.SetMinimumLevel(LogLevel.Warning)).AddScreeningPipeline(configuration).BuildServiceProvider();

        Assert.IsType<ServiceBusResultPublisher>(services.GetRequiredService<IResultPublisher>());
    }

    private static ResultEvent Event(string site, string patient, string outcome) => new()
    {
        Id = ResultEvent.IdOf(null, new string('c', 64)),
        Source = "/serverless-screening/sites/" + site,
        Subject = $"verdicts/{site}/{patient}.json",
        Time = new DateTimeOffset(2025, 6, 2, 8, 0, 0, TimeSpan.Zero),
        Data = new ResultData
        {
            SiteId = site,
            PatientId = patient,
            Outcome = outcome,
            Failed = outcome == Outcomes.Ineligible ? ["INC02"] : [],
            Unknown = outcome == Outcomes.NeedsReview ? ["INC04"] : [],
            Confirm = ["EXC05"],
            Verdict = $"verdicts/{site}/{patient}.json",
            ScreeningDate = "2025-06-01",
            Protocol = new ProtocolRef("p", "1", new string('d', 64)),
        },
    };

    private sealed class RecordingSender : ServiceBusSender
    {
        public List<ServiceBusMessage> Sent { get; } = [];

        public override Task SendMessageAsync(ServiceBusMessage message, CancellationToken cancellationToken = default)
        {
            Sent.Add(message);
            return Task.CompletedTask;
        }
    }
}
