using Azure.Messaging.ServiceBus;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace ServerlessScreening.Pipeline.Results;

/// <summary>Where result events go. Publishing is at-least-once; the event id makes a repeat recognisable downstream.</summary>
public interface IResultPublisher
{
    string Transport { get; }

    Task PublishAsync(ResultEvent resultEvent, CancellationToken cancellationToken);
}

/// <summary>Result events on an Azure Storage queue (the default, and what runs against Azurite), one JSON event per message, base64-encoded.</summary>
public sealed class StorageQueueResultPublisher(QueueServiceClient queues, IOptions<ResultsOptions> options) : IResultPublisher
{
    private readonly QueueClient _queue = queues.GetQueueClient(options.Value.QueueName);

    public string Transport => ResultsOptions.StorageQueueTransport;

    public Task PublishAsync(ResultEvent resultEvent, CancellationToken cancellationToken) =>
        _queue.SendMessageAsync(resultEvent?.ToJson(), cancellationToken);
}

/// <summary>
/// Result events on an Azure Service Bus topic: <c>MessageId</c> is the event id (for the topic's duplicate
/// detection), and <c>siteId</c> and <c>outcome</c> are application properties so subscriptions can filter on them.
/// </summary>
public sealed class ServiceBusResultPublisher(ServiceBusSender sender) : IResultPublisher
{
    public const string SiteProperty = "siteId";
    public const string OutcomeProperty = "outcome";

    public string Transport => ResultsOptions.ServiceBusTransport;

    public Task PublishAsync(ResultEvent resultEvent, CancellationToken cancellationToken) =>
        sender.SendMessageAsync(ToMessage(resultEvent), cancellationToken);

    public static ServiceBusMessage ToMessage(ResultEvent resultEvent)
    {
        ArgumentNullException.ThrowIfNull(resultEvent);
        var message = new ServiceBusMessage(BinaryData.FromString(resultEvent.ToJson()))
        {
            MessageId = resultEvent.Id,
            ContentType = "application/cloudevents+json; charset=utf-8",
            Subject = resultEvent.Data.Outcome,
            CorrelationId = resultEvent.TraceParent,
        };
        message.ApplicationProperties[SiteProperty] = resultEvent.Data.SiteId;
        message.ApplicationProperties[OutcomeProperty] = resultEvent.Data.Outcome;
        message.ApplicationProperties["cloudEvents:type"] = resultEvent.Type;
        return message;
    }
}
