"""anyloss' losses inside Keras 3 and tf-keras: compile, fit, save and load (``anyloss.keras``,
``anyloss.tf_keras``)."""
