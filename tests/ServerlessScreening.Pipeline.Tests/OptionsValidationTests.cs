using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ServerlessScreening.Pipeline.Tests;

/// <summary>Settings a host refuses at start-up, each with a message that names the setting; no storage is needed.</summary>
public sealed class OptionsValidationTests
{
    [Fact]
    public void A_default_screening_date_that_is_not_a_date_stops_the_host_with_a_message_naming_the_setting()
    {
        var error = StartUpError(new() { ["Screening:DefaultScreeningDate"] = "01/06/2025" });

        Assert.Contains(error.Failures, f => f.Contains("Screening:DefaultScreeningDate must be a date in yyyy-MM-dd form.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Screening_Results")]
    [InlineData("Screening-Results")]
    [InlineData("ab")]
    [InlineData("-results")]
    [InlineData("results-")]
    [InlineData("screening--results")]
    public void An_invalid_result_queue_name_stops_the_host_with_a_message_naming_the_setting(string queueName)
    {
        var error = StartUpError(new() { ["Results:QueueName"] = queueName });

        Assert.Contains(error.Failures, f => f.Contains("Results:QueueName must be a valid Azure Storage queue name", StringComparison.Ordinal));
        Assert.DoesNotContain(error.Failures, f => f.Contains("Results:TopicName", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("results#1")]
    [InlineData("/results")]
    [InlineData("")]
    public void An_invalid_service_bus_topic_name_stops_the_host_when_service_bus_is_the_transport(string topicName)
    {
        var error = StartUpError(new()
        {
            ["Results:Transport"] = ResultsOptions.ServiceBusTransport,
            ["Results:ServiceBusNamespace"] = "contoso.servicebus.windows.net",
            ["Results:TopicName"] = topicName,
        });

        Assert.Contains(error.Failures, f => f.Contains("Results:TopicName must be a valid Service Bus topic name", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("-00:00:01")]
    [InlineData("00:10:01")]
    public void A_site_report_delay_out_of_range_stops_the_host_with_a_message_naming_the_setting(string delay)
    {
        var error = StartUpError(new() { ["Screening:SiteReportDelay"] = delay });

        Assert.Contains(error.Failures, f => f.Contains(nameof(ScreeningOptions.SiteReportDelay), StringComparison.Ordinal));
    }

    [Fact]
    public void The_default_settings_start()
    {
        using var services = Pipeline([]);

        services.GetRequiredService<IStartupValidator>().Validate();
    }

    private static OptionsValidationException StartUpError(Dictionary<string, string?> settings)
    {
        using var services = Pipeline(settings);

        // What the host runs before it starts (ValidateOnStart).
        return Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
    }

    private static ServiceProvider Pipeline(Dictionary<string, string?> settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["Screening:ProtocolPath"] = Path.Combine(AzuriteFixture.Repository, "protocols", "lupus-nephritis-ucmsc-il2.protocol.json"),
            ["Screening:DefaultScreeningDate"] = "2025-06-01",
            ["Screening:PseudonymKey"] = Convert.ToBase64String(new byte[32]),
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return new ServiceCollection().AddLogging().AddScreeningPipeline(configuration).BuildServiceProvider();
    }
}
