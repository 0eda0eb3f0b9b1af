#!/usr/bin/env bash
# Installs the one thing the demo wants beyond the repository: Debian's full Fashion-MNIST
# (dataset-fashion-mnist, 60,000 train + 10,000 t10k images in /usr/share/datasets/fashion-mnist).
# Stage A's unlabelled pretraining pool is drawn from its train half, and so are the training images of the
# scoring classifier, the VAE and the LDM when the demo trains them (the shipped ones were trained on it).
# Without it both fall back to t10k images 5,000-9,999 of the copy shipped in data/fashion-mnist (the demo
# still runs, with other numbers). Safe to run again; never fails the caller.
set -u
folder=/usr/share/datasets/fashion-mnist
if [ -f "$folder/train-images-idx3-ubyte.gz" ] && [ -f "$folder/train-labels-idx1-ubyte.gz" ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo=none; fi
if [ "$sudo" != none ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing Debian's dataset-fashion-mnist (the full 70,000-image Fashion-MNIST)" >&2
  if ($sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dataset-fashion-mnist) >/dev/null 2>&1 \
     && [ -f "$folder/train-images-idx3-ubyte.gz" ]; then
    exit 0
  fi
fi
echo "setup: could not install dataset-fashion-mnist; the demo draws stage A's pretraining pool (and the training images of any image network it trains, with --train-image-models) from the shipped t10k images 5,000-9,999, so its numbers will differ from the README's" >&2
exit 0
