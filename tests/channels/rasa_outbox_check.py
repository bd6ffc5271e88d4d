"""Run in .venv/rasa: send the messages given as JSON through Rasa's output-channel dispatch
(`send_response`) to a CollectingOutputChannel and to the REST outbox, then print (JSON) what
the collector kept, what the outbox channel listed, and two fetches of the outbox."""

import asyncio
import json
import sys

from rasa.core.channels.channel import CollectingOutputChannel

from assistant.kv import store_for
from channels.rest import Outbox, OutboxOutput


async def main(redis_url: str, sender: str, messages: list) -> dict:
    outbox = Outbox(store_for(redis_url), ttl_s=60)
    collector, output = CollectingOutputChannel(), OutboxOutput(outbox)
    for message in messages:
        await collector.send_response(sender, dict(message))  # send_response pops from its argument
        await output.send_response(sender, dict(message))
    return {
        "collected": collector.messages,
        "listed": output.messages,
        "first_fetch": await outbox.take(sender),
        "second_fetch": await outbox.take(sender),
        "other_sender": await outbox.take(sender + "-other"),
    }


print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2], json.loads(sys.argv[3])))))
