// Minimal config for the `hardhat node` the JSON-RPC chain tests start on a loopback port.
module.exports = {
  solidity: '0.8.28',
  networks: { hardhat: { chainId: 31337, hardfork: 'cancun' } },
};
