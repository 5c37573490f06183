// `npm run consumer-config -- --format <…> [options]` (--help; README, "Hand it to the app").
import { runPulumi } from "../../cli/pulumi";
import { runAsMain } from "../../cli/run";
import { runConsumerConfig } from "./run";

if (require.main === module) runAsMain((argv, io) => runConsumerConfig(argv, io, { runPulumi }));
