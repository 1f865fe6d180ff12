import type { IncomingMessage } from "node:http";

export declare const PEER_ADDRESS_HEADER: "x-watchpost-peer-address";
export declare function stampPeerAddress(request: IncomingMessage): void;
