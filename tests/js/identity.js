// Resolve a profile the way the AWS SDK for JavaScript v3 does (fromIni:
// ~/.aws/credentials and ~/.aws/config) and ask STS who that is.
// Usage: node identity.js PROFILE ENDPOINT
// Prints {"Arn": ..., "AccessKeyId": ...}, or {"error": ...} with exit 3
// when the SDK finds no credentials for the profile.
const { fromIni } = require("@aws-sdk/credential-provider-ini");
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");

async function main() {
  const [profile, endpoint] = process.argv.slice(2);
  const credentials = fromIni({ profile });
  let resolved;
  try {
    resolved = await credentials();
  } catch (error) {
    console.log(JSON.stringify({ error: error.name }));
    process.exit(3);
  }
  const client = new STSClient({ region: "eu-west-1", endpoint, credentials });
  const identity = await client.send(new GetCallerIdentityCommand({}));
  console.log(JSON.stringify({ Arn: identity.Arn, AccessKeyId: resolved.accessKeyId }));
}

main().catch((error) => {
  console.error(`${error.name}: ${error.message}`);
  process.exit(1);
});
