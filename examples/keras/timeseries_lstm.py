"""Timeseries forecasting with an LSTM, the Keras way
(keras.io/examples/timeseries/timeseries_weather_forecasting), on a generated two-sensor
series so that it needs no download: predict the first sensor 6 steps after a 24-step window.

Only the import lines differ from the Keras program: ``anyloss`` stands where ``keras`` is.
"""

import numpy as np

from anyloss import callbacks, layers, models, optimizers, utils

utils.set_random_seed(1)

# Two noisy daily cycles, sampled every hour
rng = np.random.default_rng(0)
hours = np.arange(6000, dtype="float32")
temperature = np.sin(2 * np.pi * hours / 24) + 0.3 * np.sin(2 * np.pi * hours / 168)
humidity = np.cos(2 * np.pi * hours / 24 + 0.5)
features = np.stack([temperature, humidity], axis=-1)
features = features + 0.1 * rng.normal(size=features.shape).astype("float32")
# Normalise with the training part's statistics
train_split = 4000
mean, std = features[:train_split].mean(axis=0), features[:train_split].std(axis=0)
features = (features - mean) / std

sequence_length, future = 24, 6


def windows(data, start, stop):
    x = np.stack([data[i : i + sequence_length] for i in range(start, stop)])
    y = data[start + sequence_length + future - 1 : stop + sequence_length + future - 1, :1]
    return x.astype("float32"), y.astype("float32")


x_train, y_train = windows(features, 0, train_split - sequence_length - future)
x_val, y_val = windows(features, train_split, len(features) - sequence_length - future)
print("Input shape:", x_train.shape)
print("Target shape:", y_train.shape)

learning_rate = 0.001
batch_size = 64
epochs = 10

inputs = layers.Input(shape=(x_train.shape[1], x_train.shape[2]))
lstm_out = layers.LSTM(32)(inputs)
outputs = layers.Dense(1)(lstm_out)

model = models.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer=optimizers.Adam(learning_rate=learning_rate), loss="mse")
model.summary()

es_callback = callbacks.EarlyStopping(monitor="val_loss", min_delta=0, patience=5)
history = model.fit(
    x_train,
    y_train,
    batch_size=batch_size,
    epochs=epochs,
    validation_data=(x_val, y_val),
    callbacks=[es_callback],
    verbose=2,
)

score = model.evaluate(x_val, y_val, verbose=0)
print("Test loss:", score)
